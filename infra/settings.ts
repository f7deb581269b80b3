import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import {
  DEFAULT_TRACING,
  DELIVER_BATCHING_WINDOW_SECONDS,
  MAX_BATCHING_WINDOW_SECONDS,
  type TracingSetting,
  tracingSettings,
} from '#infra/sizing.ts';
import { DELIVER_TIMEOUT_SECONDS } from '#shared/queue/definition.ts';

/**
 * The deployment settings of leadgate, read from CDK context (`cdk.json` → `context`, or
 * `npm run deploy -- -c name=value`). Every setting has a documented default; `readSettings`
 * validates all of them at once and fails synth with one message listing every problem.
 */
export interface Settings {
  /** CloudFormation stack name. Context `stackName`; default `Leadgate`. */
  stackName: string;
  /**
   * Target account. Context `account`; default none: an environment-agnostic stack that `cdk deploy`
   * puts in the account of the credentials in use, and that synthesises offline without lookups.
   */
  account: string | undefined;
  /** Target region. Context `region`; default none: the region of the CLI profile (AWS_REGION). */
  region: string | undefined;
  /** Folder of `<sourceId>.yaml` files validated at synth and shipped to the functions. Default `sources`. */
  sourcesDir: string;
  /** Onpipeline base URL (https only). Context `onpipelineUrl`; default `https://api.onpipeline.com`. */
  onpipelineUrl: string;
  /**
   * Default throttle of every route without a throttle of its own (`/health`, form preflights),
   * requests/second per route. Context `throttleRateLimit`; default 50.
   */
  throttleRateLimit: number;
  /** Default burst of those routes, requests. Context `throttleBurstLimit`; default 100. */
  throttleBurstLimit: number;
  /**
   * `POST /v1/forms/{sourceId}` (all form sources together): rate (requests/second) and burst.
   * Context `formsRateLimit`, `formsBurstLimit`; default 100 and 500 (a burst of 300 posts at once fits).
   */
  formsRateLimit: number;
  formsBurstLimit: number;
  /**
   * `POST /v1/partners/{sourceId}/leads` (all partners together). Context `partnersRateLimit`,
   * `partnersBurstLimit`; default 100 and 500.
   */
  partnersRateLimit: number;
  partnersBurstLimit: number;
  /**
   * Each webhook route on its own (Google Ads, Meta GET and POST, LinkedIn GET and POST, TikTok): an ad
   * network that replays a backlog must not starve another. Context `webhooksRateLimit`,
   * `webhooksBurstLimit`; default 500 and 2000.
   */
  webhooksRateLimit: number;
  webhooksBurstLimit: number;
  /**
   * `GET /leadgate.js`, the attribution script landing pages load (once per visitor and hour: it is
   * cached), so a campaign's spike of visitors is not throttled into lost attribution. Context
   * `scriptRateLimit`, `scriptBurstLimit`; default 500 and 2000.
   */
  scriptRateLimit: number;
  scriptBurstLimit: number;
  /** Most concurrent deliver invocations (protects Onpipeline). Context `deliverMaxConcurrency`; 5 (≥ 2). */
  deliverMaxConcurrency: number;
  /**
   * Longest the deliver trigger gathers leads before it invokes deliver, seconds (fewer, fuller
   * invocations at low traffic; leads reach Onpipeline up to this much later). Context
   * `deliverBatchingWindowSeconds`; default 20 (`DELIVER_BATCHING_WINDOW_SECONDS`), 0–300, 0 = none.
   */
  deliverBatchingWindowSeconds: number;
  /** E-mail address subscribed to the alarm topic. Context `alarmEmail`; default none. */
  alarmEmail: string | undefined;
  /** Existing EIP allocation for the (first) NAT gateway. Context `natEipAllocationId`; default: a new one. */
  natEipAllocationId: string | undefined;
  /**
   * NAT gateways, one per AZ: 1 (one Elastic IP; a single point of failure, docs/operations.md) or 2
   * (two Elastic IPs, both to whitelist). Context `natGateways`; default 1.
   */
  natGateways: 1 | 2;
  /** Existing EIP allocation for the second NAT gateway (`natGateways` 2 only). Context `natEipAllocationId2`. */
  natEipAllocationId2: string | undefined;
  /** Retention of the functions' and VPC flow log groups. Context `logRetentionDays`; default 30. */
  logRetentionDays: RetentionDays;
  /**
   * Retention of the API access logs (client IP and User-Agent: personal data). Context
   * `accessLogRetentionDays`; default 30.
   */
  accessLogRetentionDays: RetentionDays;
  /** Reserved concurrency of capture. Context `captureReservedConcurrency`; default none (unreserved). */
  captureReservedConcurrency: number | undefined;
  /**
   * Custom domain of the API (`domainName` with a regional ACM `certificateArn` in the stack's region):
   * webhook URLs registered at the ad networks survive a stack rebuild. Both or neither.
   */
  domainName: string | undefined;
  certificateArn: string | undefined;
  /**
   * Per-IP rate limit of a WAF web ACL in front of the API (requests per IP in 5 minutes): the stack
   * puts a CloudFront distribution in front of the API and creates a CLOUDFRONT-scope web ACL, which
   * AWS allows in us-east-1 only (context `region` must be us-east-1). Context `wafRateLimit`; default none.
   */
  wafRateLimit: number | undefined;
  /**
   * An existing CLOUDFRONT-scope web ACL (created in us-east-1) for the CloudFront distribution in
   * front of the API, for stacks in any region. Context `wafWebAclArn`; default none.
   */
  wafWebAclArn: string | undefined;
  /** Tags `environment` and `owner` on every resource. Context `environment`, `owner`; default none. */
  environment: string | undefined;
  owner: string | undefined;
  /**
   * Alarm when the oldest lead in `leads` is older (s). Context `oldestMessageAgeSeconds`; default 900
   * (60–1209600, and more than the batching window + the deliver timeout).
   */
  oldestMessageAgeSeconds: number;
  /** Functions' log level. Context `logLevel`; default `INFO`. */
  logLevel: LogLevel;
  /**
   * X-Ray active tracing: `none`, `deliver` or `all` (capture and deliver). Context `tracing`; default
   * `none` (`DEFAULT_TRACING`, infra/sizing.ts explains why): traces are for investigations.
   */
  tracing: TracingSetting;
}

export const logLevels = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof logLevels)[number];

/** The context keys `readSettings` reads and validates. */
export const settingKeys = [
  'stackName',
  'account',
  'region',
  'sourcesDir',
  'onpipelineUrl',
  'throttleRateLimit',
  'throttleBurstLimit',
  'deliverMaxConcurrency',
  'deliverBatchingWindowSeconds',
  'alarmEmail',
  'natEipAllocationId',
  'natGateways',
  'natEipAllocationId2',
  'logRetentionDays',
  'accessLogRetentionDays',
  'formsRateLimit',
  'formsBurstLimit',
  'partnersRateLimit',
  'partnersBurstLimit',
  'webhooksRateLimit',
  'webhooksBurstLimit',
  'scriptRateLimit',
  'scriptBurstLimit',
  'captureReservedConcurrency',
  'domainName',
  'certificateArn',
  'wafRateLimit',
  'wafWebAclArn',
  'environment',
  'owner',
  'oldestMessageAgeSeconds',
  'logLevel',
  'tracing',
] as const;
export type SettingKey = (typeof settingKeys)[number];

/** The defaults, as documented in docs/operations.md. */
export const defaultSettings = {
  stackName: 'Leadgate',
  sourcesDir: 'sources',
  onpipelineUrl: 'https://api.onpipeline.com',
  throttleRateLimit: 50,
  throttleBurstLimit: 100,
  formsRateLimit: 100,
  formsBurstLimit: 500,
  partnersRateLimit: 100,
  partnersBurstLimit: 500,
  webhooksRateLimit: 500,
  webhooksBurstLimit: 2000,
  scriptRateLimit: 500,
  scriptBurstLimit: 2000,
  natGateways: 1,
  deliverMaxConcurrency: 5,
  deliverBatchingWindowSeconds: DELIVER_BATCHING_WINDOW_SECONDS,
  logRetentionDays: RetentionDays.ONE_MONTH,
  accessLogRetentionDays: RetentionDays.ONE_MONTH,
  oldestMessageAgeSeconds: 900,
  logLevel: 'INFO',
  tracing: DEFAULT_TRACING,
} as const satisfies Partial<Settings>;

/** Thrown when one or more context settings are invalid; its message lists every problem. */
export class SettingsError extends Error {
  readonly code = 'invalid_settings';
  readonly problems: string[];

  constructor(problems: string[]) {
    super(
      `invalid leadgate settings (CDK context):\n${problems.map((problem) => `  ${problem}`).join('\n')}`,
    );
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

const retentionValues = new Set<number>(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

/**
 * Reads and validates the settings from a construct's CDK context (the app's, usually).
 *
 * @example
 * const app = new App();
 * const settings = readSettings(app.node); // throws SettingsError listing every invalid value
 */
export function readSettings(node: Node): Settings {
  const raw: Partial<Record<SettingKey, unknown>> = {};
  for (const key of settingKeys) raw[key] = node.tryGetContext(key);
  return parseSettings(raw);
}

/**
 * Validates raw context values (strings from `-c name=value`, or JSON values from `cdk.json`) and
 * fills in the defaults.
 *
 * @example
 * const settings = parseSettings({ deliverMaxConcurrency: '10' }); // settings.deliverMaxConcurrency === 10
 */
export function parseSettings(raw: Partial<Record<SettingKey, unknown>>): Settings {
  const problems: string[] = [];
  const read = new ContextReader(raw, problems);
  const d = defaultSettings;

  const settings: Settings = {
    stackName: read.string(
      'stackName',
      d.stackName,
      patterns.stackName,
      'a letter, then letters, digits, dashes',
    ),
    account: read.optionalString('account', patterns.account, 'a 12-digit AWS account id'),
    region: read.optionalString('region', patterns.region, 'a region such as eu-west-1'),
    sourcesDir: read.string('sourcesDir', d.sourcesDir, /\S/, 'a folder path'),
    onpipelineUrl: read.string('onpipelineUrl', d.onpipelineUrl, patterns.httpsUrl, 'an https:// URL'),
    throttleRateLimit: read.integer('throttleRateLimit', d.throttleRateLimit, 1, 10_000),
    throttleBurstLimit: read.integer('throttleBurstLimit', d.throttleBurstLimit, 1, 5_000),
    formsRateLimit: read.integer('formsRateLimit', d.formsRateLimit, 1, 10_000),
    formsBurstLimit: read.integer('formsBurstLimit', d.formsBurstLimit, 1, 5_000),
    partnersRateLimit: read.integer('partnersRateLimit', d.partnersRateLimit, 1, 10_000),
    partnersBurstLimit: read.integer('partnersBurstLimit', d.partnersBurstLimit, 1, 5_000),
    webhooksRateLimit: read.integer('webhooksRateLimit', d.webhooksRateLimit, 1, 10_000),
    webhooksBurstLimit: read.integer('webhooksBurstLimit', d.webhooksBurstLimit, 1, 5_000),
    scriptRateLimit: read.integer('scriptRateLimit', d.scriptRateLimit, 1, 10_000),
    scriptBurstLimit: read.integer('scriptBurstLimit', d.scriptBurstLimit, 1, 5_000),
    deliverMaxConcurrency: read.integer('deliverMaxConcurrency', d.deliverMaxConcurrency, 2, 1_000),
    deliverBatchingWindowSeconds: read.integer(
      'deliverBatchingWindowSeconds',
      d.deliverBatchingWindowSeconds,
      0,
      MAX_BATCHING_WINDOW_SECONDS,
    ),
    alarmEmail: read.optionalString('alarmEmail', patterns.email, 'an e-mail address'),
    natEipAllocationId: read.optionalString('natEipAllocationId', patterns.allocationId, 'eipalloc-<hex>'),
    natGateways: read.integer('natGateways', d.natGateways, 1, 2) as 1 | 2,
    natEipAllocationId2: read.optionalString('natEipAllocationId2', patterns.allocationId, 'eipalloc-<hex>'),
    logRetentionDays: read.integer('logRetentionDays', d.logRetentionDays, 1, 9999) as RetentionDays,
    accessLogRetentionDays: read.integer(
      'accessLogRetentionDays',
      d.accessLogRetentionDays,
      1,
      9999,
    ) as RetentionDays,
    captureReservedConcurrency: read.optionalInteger('captureReservedConcurrency', 1, 10_000),
    domainName: read.optionalString(
      'domainName',
      patterns.domainName,
      'a host name such as leads.example.com',
    ),
    certificateArn: read.optionalString(
      'certificateArn',
      patterns.certificateArn,
      'an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)',
    ),
    wafRateLimit: read.optionalInteger('wafRateLimit', 10, 2_000_000_000),
    wafWebAclArn: read.optionalString(
      'wafWebAclArn',
      patterns.cloudFrontWebAclArn,
      'a CLOUDFRONT-scope web ACL ARN (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)',
    ),
    environment: read.optionalString(
      'environment',
      patterns.tagValue,
      'a tag value (letters, digits, _ . : / = + - @, spaces)',
    ),
    owner: read.optionalString(
      'owner',
      patterns.tagValue,
      'a tag value (letters, digits, _ . : / = + - @, spaces)',
    ),
    oldestMessageAgeSeconds: read.integer(
      'oldestMessageAgeSeconds',
      d.oldestMessageAgeSeconds,
      60,
      1_209_600,
    ),
    logLevel: read.string('logLevel', d.logLevel, patterns.logLevel, logLevels.join(' | ')) as LogLevel,
    tracing: read.string(
      'tracing',
      d.tracing,
      patterns.tracing,
      tracingSettings.join(' | '),
    ) as TracingSetting,
  };

  for (const key of ['logRetentionDays', 'accessLogRetentionDays'] as const) {
    if (!retentionValues.has(settings[key])) {
      const allowed = [...retentionValues].join(', ');
      problems.push(`${key}: ${settings[key]} is not a CloudWatch Logs retention (${allowed})`);
    }
  }
  if (!URL.canParse(settings.onpipelineUrl)) {
    problems.push(`onpipelineUrl: ${JSON.stringify(settings.onpipelineUrl)} is not a valid URL`);
  }
  for (const prefix of ['throttle', 'forms', 'partners', 'webhooks', 'script'] as const) {
    const rate = settings[`${prefix}RateLimit`];
    const burst = settings[`${prefix}BurstLimit`];
    if (burst < Math.min(rate, 5_000)) {
      problems.push(
        `${prefix}BurstLimit: ${burst} is below ${prefix}RateLimit ${rate}; ` +
          'the burst must hold at least one second of traffic',
      );
    }
  }
  if (settings.natEipAllocationId2 !== undefined && settings.natGateways !== 2) {
    problems.push('natEipAllocationId2: only with natGateways 2 (the allocation of the second NAT gateway)');
  }
  if (
    settings.natEipAllocationId2 !== undefined &&
    settings.natEipAllocationId2 === settings.natEipAllocationId
  ) {
    problems.push('natEipAllocationId2: must differ from natEipAllocationId (one address per NAT gateway)');
  }
  if ((settings.domainName === undefined) !== (settings.certificateArn === undefined)) {
    problems.push(
      'domainName, certificateArn: give both (the custom domain and its ACM certificate) or neither',
    );
  }
  const certificateRegion = settings.certificateArn?.split(':')[3];
  if (
    certificateRegion !== undefined &&
    settings.region !== undefined &&
    certificateRegion !== settings.region
  ) {
    problems.push(
      `certificateArn: the certificate is in ${certificateRegion}, the stack in ${settings.region}; ` +
        'a regional API domain needs a certificate of its own region',
    );
  }
  if (settings.wafRateLimit !== undefined && settings.wafWebAclArn !== undefined) {
    problems.push('wafRateLimit, wafWebAclArn: give one (a web ACL the stack creates, or an existing one)');
  }
  if (settings.wafRateLimit !== undefined && settings.region !== 'us-east-1') {
    problems.push(
      'wafRateLimit: AWS creates CLOUDFRONT-scope web ACLs in us-east-1 only, so the stack can create ' +
        'one only with region us-east-1; elsewhere create it in us-east-1 and pass wafWebAclArn ' +
        '(docs/operations.md, "Abuse protection: WAF")',
    );
  }
  const edge = settings.wafRateLimit !== undefined || settings.wafWebAclArn !== undefined;
  if (edge && settings.domainName !== undefined) {
    problems.push(
      'domainName with a WAF: not supported yet (the CloudFront distribution would need the domain and ' +
        'a us-east-1 certificate); see docs/operations.md, "Abuse protection: WAF"',
    );
  }
  // A healthy lead can wait a whole batching window plus one deliver invocation before it is deleted;
  // an age alarm at or below that would fire on normal traffic.
  const healthyAgeSeconds = settings.deliverBatchingWindowSeconds + DELIVER_TIMEOUT_SECONDS;
  if (settings.oldestMessageAgeSeconds <= healthyAgeSeconds) {
    problems.push(
      `oldestMessageAgeSeconds: ${settings.oldestMessageAgeSeconds} must be more than ` +
        `deliverBatchingWindowSeconds ${settings.deliverBatchingWindowSeconds} + the deliver timeout ` +
        `${DELIVER_TIMEOUT_SECONDS} (${healthyAgeSeconds} s): a lead may wait that long when all is well`,
    );
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

const patterns = {
  stackName: /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
  account: /^\d{12}$/,
  region: /^[a-z]{2}(-[a-z]+)+-\d$/,
  httpsUrl: /^https:\/\/[^\s/]+(\/\S*)?$/,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  allocationId: /^eipalloc-[0-9a-f]{8,17}$/,
  logLevel: new RegExp(`^(${logLevels.join('|')})$`),
  tracing: new RegExp(`^(${tracingSettings.join('|')})$`),
  domainName: /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
  certificateArn: /^arn:aws[a-z-]*:acm:[a-z]{2}(-[a-z]+)+-\d:\d{12}:certificate\/[0-9a-f-]{36}$/,
  cloudFrontWebAclArn: /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]{1,128}\/[0-9a-f-]{36}$/,
  tagValue: /^[\p{L}\p{N}\p{Z}_.:/=+\-@]{1,256}$/u,
};

/** Reads one typed value at a time and collects the problems instead of stopping at the first. */
class ContextReader {
  readonly #raw: Partial<Record<SettingKey, unknown>>;
  readonly #problems: string[];

  constructor(raw: Partial<Record<SettingKey, unknown>>, problems: string[]) {
    this.#raw = raw;
    this.#problems = problems;
  }

  string(key: SettingKey, fallback: string, pattern: RegExp, expected: string): string {
    return this.optionalString(key, pattern, expected) ?? fallback;
  }

  optionalString(key: SettingKey, pattern: RegExp, expected: string): string | undefined {
    const value = this.#raw[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' || !pattern.test(value)) {
      this.#problems.push(`${key}: expected ${expected}, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value;
  }

  optionalInteger(key: SettingKey, min: number, max: number): number | undefined {
    const value = this.#raw[key];
    if (value === undefined || value === null || value === '') return undefined;
    const number = this.integer(key, Number.NaN, min, max);
    return Number.isNaN(number) ? undefined : number;
  }

  integer(key: SettingKey, fallback: number, min: number, max: number): number {
    const value = this.#raw[key];
    if (value === undefined || value === null || value === '') return fallback;
    const number = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
      this.#problems.push(
        `${key}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
      );
      return fallback;
    }
    return number;
  }
}
