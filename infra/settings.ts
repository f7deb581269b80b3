import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { DELIVER_BATCHING_WINDOW_SECONDS, MAX_BATCHING_WINDOW_SECONDS } from '#infra/sizing.ts';
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
  /** HTTP API stage steady-state rate limit, requests/second. Context `throttleRateLimit`; default 50. */
  throttleRateLimit: number;
  /** HTTP API stage burst limit, requests. Context `throttleBurstLimit`; default 100. */
  throttleBurstLimit: number;
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
  /** Existing EIP allocation for the NAT gateway. Context `natEipAllocationId`; default: a new one. */
  natEipAllocationId: string | undefined;
  /** Retention of every log group (functions, API, VPC flow). Context `logRetentionDays`; default 30. */
  logRetentionDays: RetentionDays;
  /**
   * Alarm when the oldest lead in `leads` is older (s). Context `oldestMessageAgeSeconds`; default 900
   * (60–1209600, and more than the batching window + the deliver timeout).
   */
  oldestMessageAgeSeconds: number;
  /** Functions' log level. Context `logLevel`; default `INFO`. */
  logLevel: LogLevel;
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
  'logRetentionDays',
  'oldestMessageAgeSeconds',
  'logLevel',
] as const;
export type SettingKey = (typeof settingKeys)[number];

/** The defaults, as documented in docs/operations.md. */
export const defaultSettings = {
  stackName: 'Leadgate',
  sourcesDir: 'sources',
  onpipelineUrl: 'https://api.onpipeline.com',
  throttleRateLimit: 50,
  throttleBurstLimit: 100,
  deliverMaxConcurrency: 5,
  deliverBatchingWindowSeconds: DELIVER_BATCHING_WINDOW_SECONDS,
  logRetentionDays: RetentionDays.ONE_MONTH,
  oldestMessageAgeSeconds: 900,
  logLevel: 'INFO',
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
    deliverMaxConcurrency: read.integer('deliverMaxConcurrency', d.deliverMaxConcurrency, 2, 1_000),
    deliverBatchingWindowSeconds: read.integer(
      'deliverBatchingWindowSeconds',
      d.deliverBatchingWindowSeconds,
      0,
      MAX_BATCHING_WINDOW_SECONDS,
    ),
    alarmEmail: read.optionalString('alarmEmail', patterns.email, 'an e-mail address'),
    natEipAllocationId: read.optionalString('natEipAllocationId', patterns.allocationId, 'eipalloc-<hex>'),
    logRetentionDays: read.integer('logRetentionDays', d.logRetentionDays, 1, 9999) as RetentionDays,
    oldestMessageAgeSeconds: read.integer(
      'oldestMessageAgeSeconds',
      d.oldestMessageAgeSeconds,
      60,
      1_209_600,
    ),
    logLevel: read.string('logLevel', d.logLevel, patterns.logLevel, logLevels.join(' | ')) as LogLevel,
  };

  if (!retentionValues.has(settings.logRetentionDays)) {
    const allowed = [...retentionValues].join(', ');
    problems.push(
      `logRetentionDays: ${settings.logRetentionDays} is not a CloudWatch Logs retention (${allowed})`,
    );
  }
  if (!URL.canParse(settings.onpipelineUrl)) {
    problems.push(`onpipelineUrl: ${JSON.stringify(settings.onpipelineUrl)} is not a valid URL`);
  }
  if (settings.throttleBurstLimit < Math.min(settings.throttleRateLimit, 5_000)) {
    problems.push(
      `throttleBurstLimit: ${settings.throttleBurstLimit} is below throttleRateLimit ` +
        `${settings.throttleRateLimit}; the burst must hold at least one second of traffic`,
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
