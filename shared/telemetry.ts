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
export const metrics = new Metrics({ namespace: 'leadgate', serviceName: 'leadgate' });

const counters = new Map<string, number>();

/** Counts an event: a CloudWatch metric on AWS, and an in-process counter readable with `counterValues`. */
export function count(name: string, value = 1): void {
  counters.set(name, (counters.get(name) ?? 0) + value);
  metrics.addMetric(name, MetricUnit.Count, value);
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
 * Publishes the metrics an invocation counted (as CloudWatch EMF log lines) after it, and nothing when
 * it counted none: Powertools' own `logMetrics` warns on every empty invocation.
 *
 * @example
 * middy(handler).use(flushMetrics());
 */
export function flushMetrics(): MiddlewareObj {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}
