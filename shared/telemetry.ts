import { Logger, LogLevelThreshold } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';

/** What Powertools Logger keeps private and the light request line reads (version pinned by its test). */
interface PowertoolsInternals {
  console: { info(line: string): void };
  logFormatter: { formatTimestamp(now: Date): string };
  logIndentation: number;
  powertoolsLogData: { serviceName?: string; sampleRateValue?: number };
}

/** The Lambda context fields Powertools' `addContext` keeps (and its formatter prints). */
interface LineContext {
  invokedFunctionArn: unknown;
  coldStart: boolean;
  awsRequestId: unknown;
  memoryLimitInMB: unknown;
  functionName: unknown;
  tenantId: unknown;
}

/** Constructor options that leave a line's shape to the default Powertools formatter. */
const PLAIN_OPTIONS = new Set(['serviceName', 'logLevel', 'environment']);

/** The keys Powertools prints on every line (its own and the Lambda context's), in its order. */
export const POWERTOOLS_LINE_KEYS = [
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
  'tenant_id',
] as const;

/**
 * Keys the light line does not place itself: the ones Powertools prints on every line (a field with
 * one of those names overwrites or is dropped), and the ones its merge skips.
 */
const POWERTOOLS_KEYS = new Set<string>([...POWERTOOLS_LINE_KEYS, '__proto__', 'constructor']);

/**
 * Powertools Logger with one lighter writer: `requestLine`, for the one INFO line per request
 * (docs/operations.md, "Logs"). Everything else is Powertools' own.
 */
export class LeadgateLogger extends Logger {
  /** The context `addContext` stored (Powertools' copy is private). */
  #context: LineContext | undefined;
  /** The cold start flag `addContext` read last. */
  #coldStart = false;
  /** Keys appended for the invocation (`appendKeys`, correlation id) and not reset since. */
  #temporaryKeys = false;
  /** Whether the light line may be written at all (settings read once, as Powertools reads them). */
  readonly #light: boolean;

  constructor(options: ConstructorOptions = {}) {
    super(options);
    const internals = this as unknown as PowertoolsInternals;
    this.#light =
      Object.keys(options).every((key) => PLAIN_OPTIONS.has(key)) &&
      // per-invocation state (concurrent invocations): Powertools scopes it, the light line does not
      (process.env.AWS_LAMBDA_MAX_CONCURRENCY ?? '').trim() === '' &&
      // POWERTOOLS_DEV: pretty-printed lines
      internals.logIndentation === 0 &&
      // debug sampling on: the level may change per invocation
      (internals.powertoolsLogData.sampleRateValue ?? 0) === 0;
  }

  override addContext(context: Context): void {
    super.addContext(context);
    this.#context = {
      invokedFunctionArn: context.invokedFunctionArn,
      coldStart: this.#coldStart,
      awsRequestId: context.awsRequestId,
      memoryLimitInMB: context.memoryLimitInMB,
      functionName: context.functionName,
      tenantId: (context as { tenantId?: unknown }).tenantId,
    };
  }

  override getColdStart(): boolean {
    const coldStart = super.getColdStart();
    this.#coldStart = coldStart;
    return coldStart;
  }

  override appendKeys(attributes: Parameters<Logger['appendKeys']>[0]): void {
    this.#temporaryKeys = true;
    super.appendKeys(attributes);
  }

  override resetKeys(): void {
    this.#temporaryKeys = false;
    super.resetKeys();
  }

  /**
   * Writes `logger.info('request', fields)`'s line, byte for byte, without Powertools' per-line
   * machinery (its merge, replacer and empty-key pass cost ~8 µs a line; BENCHMARKS.md). Only when
   * the line is plain: default formatter, no appended keys, no debug sampling, no buffering, one
   * invocation at a time, no overridden print method, and every field a string, number, boolean,
   * `null` or `undefined` under a name Powertools does not print itself. Anything else goes through
   * `logger.info` unchanged. The level is honoured as Powertools does (no line above INFO).
   *
   * @example
   * logger.requestLine({ route: 'POST /v1/forms/{sourceId}', status: 202, durationMs: 1.2 });
   */
  requestLine(fields: Record<string, unknown>): void {
    if (!this.#plainLine(fields)) {
      this.info('request', fields);
      return;
    }
    if (this.level > LogLevelThreshold.INFO) return;
    const internals = this as unknown as PowertoolsInternals;
    const line: Record<string, unknown> = {
      level: 'INFO',
      message: 'request',
      timestamp: internals.logFormatter.formatTimestamp(new Date()),
    };
    put(line, 'service', internals.powertoolsLogData.serviceName);
    const context = this.#context;
    if (context) {
      put(line, 'cold_start', context.coldStart);
      put(line, 'function_arn', context.invokedFunctionArn);
      put(line, 'function_memory_size', context.memoryLimitInMB);
      put(line, 'function_name', context.functionName);
      put(line, 'function_request_id', context.awsRequestId);
    }
    put(line, 'sampling_rate', internals.powertoolsLogData.sampleRateValue);
    put(line, 'xray_trace_id', xRayTraceId());
    if (context) put(line, 'tenant_id', context.tenantId);
    for (const key of Object.keys(fields)) put(line, key, fields[key]);
    internals.console.info(JSON.stringify(line));
  }

  /** Whether the light line writes exactly what Powertools would (see `requestLine`). */
  #plainLine(fields: Record<string, unknown>): boolean {
    if (
      !this.#light ||
      this.#temporaryKeys ||
      this.info !== LeadgateLogger.prototype.info ||
      this.processLogItem !== LeadgateLogger.prototype.processLogItem ||
      this.createAndPopulateLogItem !== LeadgateLogger.prototype.createAndPopulateLogItem ||
      this.printLog !== LeadgateLogger.prototype.printLog ||
      Object.keys(this.getPersistentLogAttributes()).length > 0
    ) {
      return false;
    }
    for (const key of Object.keys(fields)) {
      if (POWERTOOLS_KEYS.has(key)) return false;
      const value = fields[key];
      const type = typeof value;
      if (
        value !== null &&
        type !== 'string' &&
        type !== 'number' &&
        type !== 'boolean' &&
        type !== 'undefined'
      ) {
        return false;
      }
    }
    return true;
  }
}

/** Sets `key` unless `value` is one Powertools leaves out of a line (`undefined`, `null`, `''`). */
function put(line: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined && value !== null && value !== '') line[key] = value;
}

/**
 * The X-Ray trace id Powertools prints: the invocation's (`awslambda.InvokeStore`), else the `Root` of
 * `_X_AMZN_TRACE_ID` (or the whole value when it has no `=`).
 */
function xRayTraceId(): string | undefined {
  const store = (globalThis as { awslambda?: { InvokeStore?: { getXRayTraceId(): string | undefined } } })
    .awslambda?.InvokeStore;
  const header = store?.getXRayTraceId() ?? (process.env._X_AMZN_TRACE_ID ?? '').trim();
  if (header === '') return undefined;
  if (!header.includes('=')) return header;
  let root: string | undefined;
  for (const field of header.split(';')) {
    const [key, value] = field.split('=');
    if (key === 'Root') root = value;
  }
  return root;
}

/**
 * leadgate's logger and metrics. Log lines carry ids, sources, outcomes and durations: never an
 * e-mail, phone number, name, token or field value (those stay in the queue and in Onpipeline).
 *
 * @example
 * logger.info('lead queued', { sourceId, leadId });
 * count('honeypot');
 */
export const logger = new LeadgateLogger({ serviceName: 'leadgate' });

/** The metrics' namespace and their one dimension, `service` (what infra/constructs/monitoring.ts reads). */
const NAMESPACE = 'leadgate';
const SERVICE = 'leadgate';
/** Most metrics one EMF document may carry (CloudWatch's limit). */
const MAX_METRICS_PER_DOCUMENT = 100;

/** Powertools Metrics, for its settings: whether metrics are off (`POWERTOOLS_METRICS_DISABLED`, dev mode). */
class LeadgateMetrics extends Metrics {
  /** Decided once, when the object is built (Powertools reads the environment then). */
  readonly off = this.isDisabled();
}
export const metrics = new LeadgateMetrics({ namespace: NAMESPACE, serviceName: SERVICE });

/** Every count since start (`counterValues`). */
const counters = new Map<string, number>();
/** The counts not yet published (`flushMetrics`): one sum per metric name. */
const unpublished = new Map<string, number>();

/**
 * Counts an event: a CloudWatch metric on AWS (published after the invocation by `flushMetrics`, one
 * value per name and invocation: the sum), and an in-process counter readable with `counterValues`.
 */
export function count(name: string, value = 1): void {
  counters.set(name, (counters.get(name) ?? 0) + value);
  unpublished.set(name, (unpublished.get(name) ?? 0) + value);
}

/** The in-process counters since start (the one-machine runtime shows them). */
export function counterValues(): Record<string, number> {
  return Object.fromEntries(counters);
}

/**
 * Field names whose values are personal data (Leadsin's and the usual input names): a quoted value
 * right after one of them (`FirstName "Jane"`, `"LastName":"Doe"`, `name='Ana'`) is masked.
 */
const PERSONAL_FIELD =
  '(?:first[_ ]?name|last[_ ]?name|full[_ ]?name|sur[_ ]?name|given[_ ]?name|family[_ ]?name|name|' +
  'org[_ ]?name|company(?:[_ ]?name)?|address(?:[_ ]?line)?[_ ]?\\d?|street(?:[_ ]?address)?|city|' +
  'post(?:al)?[_ ]?code|zip(?:[_ ]?code)?|region|number|address|e-?mail|phone(?:[_ ]?number)?|value)';
const QUOTED_AFTER_FIELD = new RegExp(
  `(["']?\\b${PERSONAL_FIELD}\\b["']?\\s*(?:[:=]|is|was)?\\s*)(["'\u201c\u2018])[^"'\u201d\u2019\\n]*(["'\u201d\u2019])`,
  'giu',
);

/**
 * Masks what may be personal data in a free-text message from elsewhere (Onpipeline's error text,
 * which logs and the DLQ `message` attribute carry):
 * - every one of `values` (the lead's own input and mapped values: names, companies, addresses),
 *   wherever it appears, case-insensitively, as `[value]` (values shorter than 2 characters are left);
 * - a quoted string right after a personal field name (`FirstName "Jane"`, `"City":"Madrid"`), as
 *   `[redacted]`, for values the lead did not send in that form;
 * - e-mail addresses (`[email]`) and runs of 6+ digits (`[number]`, phone numbers), except right
 *   after `ID` (Onpipeline's custom field ids: what an operator needs to fix a mapping).
 *
 * @example
 * redact('Invalid email jane@x.test'); // 'Invalid email [email]'
 * redact('LastName "Doe" is too long', ['Doe']); // 'LastName "[value]" is too long'
 * redact('Invalid FirstName "Jane"'); // 'Invalid FirstName "[redacted]"'
 */
export function redact(text: string, values: Iterable<string> = []): string {
  let masked = text;
  const distinct = [...new Set([...values].map((value) => value.trim()))]
    .filter((value) => value.length >= 2)
    .sort((a, b) => b.length - a.length);
  for (const value of distinct) {
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(value)}(?![\\p{L}\\p{N}])`, 'giu');
    masked = masked.replace(pattern, '[value]');
  }
  return masked
    .replace(QUOTED_AFTER_FIELD, (whole, before: string, open: string, close: string) =>
      whole.slice(before.length + 1, whole.length - 1) === '[value]'
        ? whole
        : `${before}${open}[redacted]${close}`,
    )
    .replace(/[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+/g, '[email]')
    .replace(/(?<![\d+]|\bIDs?["']?\s?[:=#]?\s?["']?)\+?\d[\d\s().-]{4,}\d/g, (digits) =>
      digits.replace(/\D/g, '').length >= 6 ? '[number]' : digits,
    );
}

/**
 * Every string value of a lead (its input fields, and the Leadsin body mapped from them, without its
 * `ID` and `Type` values): what `redact` masks in a message about that lead.
 *
 * @example
 * redact(onpipelineMessage, leadValues(envelope.fields, sentBody));
 */
export function leadValues(...sources: unknown[]): string[] {
  const found: string[] = [];
  const stack: unknown[] = [...sources];
  while (stack.length > 0 && found.length < 2000) {
    const item = stack.pop();
    if (typeof item === 'string') found.push(item);
    else if (Array.isArray(item)) stack.push(...item);
    else if (item !== null && typeof item === 'object') {
      // a Leadsin body's custom field ids and e-mail/phone types are not personal (and an operator
      // needs the ids to fix a mapping)
      for (const [key, value] of Object.entries(item)) if (key !== 'ID' && key !== 'Type') stack.push(value);
    }
  }
  return found;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Publishes the metrics an invocation counted after it, as one CloudWatch EMF line, and nothing when
 * it counted none (Powertools' own `logMetrics` warns on every empty invocation). Each name appears
 * once, with the invocation's sum: the `Sum` the alarms and the dashboard read is unchanged.
 *
 * The line is the document Powertools' `publishStoredMetrics` writes for the same counts (namespace
 * `leadgate`, dimension `service`), built here directly: Powertools' per-invocation stores cost about
 * 10 µs per invocation (15 environment reads among them) for a document that never changes shape.
 *
 * @example
 * middy(handler).use(flushMetrics());
 */
export function flushMetrics(): MiddlewareObj {
  const flush = async () => {
    if (unpublished.size === 0) return;
    const counts = [...unpublished];
    unpublished.clear();
    if (metrics.off) return;
    const timestamp = Date.now();
    for (let start = 0; start < counts.length; start += MAX_METRICS_PER_DOCUMENT) {
      process.stdout.write(
        `${emfDocument(counts.slice(start, start + MAX_METRICS_PER_DOCUMENT), timestamp)}\n`,
      );
    }
  };
  return { after: flush, onError: flush };
}

/** An EMF document of counts, as Powertools Metrics serialises it. */
function emfDocument(counts: [string, number][], timestamp: number): string {
  const document: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: NAMESPACE,
          Dimensions: [['service']],
          Metrics: counts.map(([name]) => ({ Name: name, Unit: MetricUnit.Count })),
        },
      ],
    },
    service: SERVICE,
  };
  for (const [name, value] of counts) document[name] = value;
  return JSON.stringify(document);
}
