import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

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
  /** Most concurrent deliver invocations (protects Onpipeline). Context `deliverMaxConcurrency`; default 5, min 2. */
  deliverMaxConcurrency: number;
  /** E-mail address subscribed to the alarm topic. Context `alarmEmail`; default none. */
  alarmEmail: string | undefined;
  /** Existing Elastic IP allocation for the NAT gateway. Context `natEipAllocationId`; default: the stack allocates one. */
  natEipAllocationId: string | undefined;
  /** Retention of every log group (functions, API access logs, flow logs). Context `logRetentionDays`; default 30. */
  logRetentionDays: RetentionDays;
  /** Alarm when the oldest lead in `leads` is older than this. Context `oldestMessageAgeSeconds`; default 900. */
  oldestMessageAgeSeconds: number;
  /** Functions' log level. Context `logLevel`; default `INFO`. */
  logLevel: LogLevel;
}

export const logLevels = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof logLevels)[number];

/** The context keys `readSettings` understands; anything else under these names is validated. */
export const settingKeys = [
  'stackName',
  'account',
  'region',
  'sourcesDir',
  'onpipelineUrl',
  'throttleRateLimit',
  'throttleBurstLimit',
  'deliverMaxConcurrency',
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
  logRetentionDays: RetentionDays.ONE_MONTH,
  oldestMessageAgeSeconds: 900,
  logLevel: 'INFO',
} as const satisfies Partial<Settings>;

/** Thrown when one or more context settings are invalid; its message lists every problem. */
export class SettingsError extends Error {
  readonly code = 'invalid_settings';
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid leadgate settings (CDK context):\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
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
  const reader = new ContextReader(raw, problems);

  const stackName = reader.string('stackName', defaultSettings.stackName, /^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a letter, then letters, digits and dashes (≤ 128)');
  const account = reader.optionalString('account', /^\d{12}$/, 'a 12-digit AWS account id');
  const region = reader.optionalString('region', /^[a-z]{2}(-[a-z]+)+-\d$/, 'a region such as eu-west-1');
  const sourcesDir = reader.string('sourcesDir', defaultSettings.sourcesDir, /\S/, 'a folder path');
  const onpipelineUrl = reader.string('onpipelineUrl', defaultSettings.onpipelineUrl, /^https:\/\/[^\s/]+(\/\S*)?$/, 'an https:// URL');
  const throttleRateLimit = reader.integer('throttleRateLimit', defaultSettings.throttleRateLimit, 1, 10_000);
  const throttleBurstLimit = reader.integer('throttleBurstLimit', defaultSettings.throttleBurstLimit, 1, 5_000);
  const deliverMaxConcurrency = reader.integer('deliverMaxConcurrency', defaultSettings.deliverMaxConcurrency, 2, 1_000);
  const alarmEmail = reader.optionalString('alarmEmail', /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an e-mail address');
  const natEipAllocationId = reader.optionalString('natEipAllocationId', /^eipalloc-[0-9a-f]{8,17}$/, 'an allocation id such as eipalloc-0123456789abcdef0');
  const logRetentionDays = reader.integer('logRetentionDays', defaultSettings.logRetentionDays, 1, 9999);
  if (raw.logRetentionDays !== undefined && !retentionValues.has(logRetentionDays)) {
    problems.push(`logRetentionDays: ${String(raw.logRetentionDays)} is not a CloudWatch Logs retention; use one of ${[...retentionValues].join(', ')}`);
  }
  const oldestMessageAgeSeconds = reader.integer('oldestMessageAgeSeconds', defaultSettings.oldestMessageAgeSeconds, 60, 14 * 24 * 3600);
  const logLevel = reader.string('logLevel', defaultSettings.logLevel, new RegExp(`^(${logLevels.join('|')})$`), logLevels.join(' | ')) as LogLevel;

  if (throttleBurstLimit < Math.min(throttleRateLimit, 5_000)) {
    problems.push(`throttleBurstLimit: ${throttleBurstLimit} is below throttleRateLimit ${throttleRateLimit}; the burst must absorb at least one second of traffic`);
  }
  if (problems.length > 0) throw new SettingsError(problems);

  return {
    stackName,
    account,
    region,
    sourcesDir,
    onpipelineUrl,
    throttleRateLimit,
    throttleBurstLimit,
    deliverMaxConcurrency,
    alarmEmail,
    natEipAllocationId,
    logRetentionDays: logRetentionDays as RetentionDays,
    oldestMessageAgeSeconds,
    logLevel,
  };
}

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
      this.#problems.push(`${key}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return number;
  }
}
