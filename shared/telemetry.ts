import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';

/**
 * leadgate's logger and metrics. Log lines carry ids, sources, outcomes and durations: never an
 * e-mail, phone number, name, token or field value (those stay in the queue and in Onpipeline).
 *
 * @example
 * logger.info('lead queued', { sourceId, leadId });
 * count('honeypot');
 */
export const logger = new Logger({ serviceName: 'leadgate' });

/** The metrics' namespace and their one dimension, `service` (what infra/constructs/Monitoring.ts reads). */
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
 * Masks what may be personal data in a free-text message from elsewhere (Onpipeline's error text):
 * e-mail addresses and runs of 6+ digits (phone numbers).
 *
 * @example
 * redact('Invalid email jane@x.test'); // 'Invalid email [email]'
 */
export function redact(text: string): string {
  return text
    .replace(/[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+/g, '[email]')
    .replace(/\+?\d[\d\s().-]{4,}\d/g, (digits) =>
      digits.replace(/\D/g, '').length >= 6 ? '[number]' : digits,
    );
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
