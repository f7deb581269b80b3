import { leadsQueue } from '#shared/queue/definition.ts';

/**
 * How long a lead waits before its next delivery attempt, from its receive count: exponential with
 * equal jitter (between half the ceiling and the ceiling), capped at one hour. Configuration
 * failures (token, IP whitelist, URL) wait long: a person must fix something. A 429's Retry-After is
 * honoured as a floor (still capped).
 *
 * With `leadsQueue.maxReceiveCount` receives, a lead keeps being retried for at least
 * {@link guaranteedWindowSeconds} (25.7 h) before SQS moves it to the DLQ: see docs/operations.md,
 * "Outage window".
 *
 * @example
 * retryDelaySeconds({ receiveCount: 3, kind: 'transient' }); // somewhere in 20..40 s
 */
export const backoff = {
  baseSeconds: 10,
  /** At most one hour between attempts: after an outage, waiting leads go out within the hour. */
  capSeconds: 60 * 60,
  /**
   * About half an hour (±20 %) for 401/403/404 answers and expired vendor tokens: a person must fix
   * something, and an outage that shows itself as a 403 or 404 (a maintenance page, a WAF) must not
   * park leads early either: 59 waits of at least 25.6 min keep a lead for over 24 h.
   */
  configurationSeconds: 32 * 60,
} as const;

/** SQS's longest visibility timeout (ChangeMessageVisibility): no delay may be longer. */
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

export type RetryKind = 'transient' | 'configuration';

export function retryDelaySeconds(options: {
  receiveCount: number;
  kind: RetryKind;
  retryAfterSeconds?: number | undefined;
  random?: () => number;
}): number {
  const random = options.random ?? Math.random;
  if (options.kind === 'configuration') {
    return Math.round(backoff.configurationSeconds * (0.8 + 0.4 * random()));
  }
  const attempt = Math.max(1, options.receiveCount);
  const ceiling = Math.min(backoff.capSeconds, backoff.baseSeconds * 2 ** (attempt - 1));
  const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.min(backoff.capSeconds, Math.max(jittered, options.retryAfterSeconds ?? 0));
}

export interface WindowOptions {
  /** Which backoff applies to every attempt; default `transient` (429, 5xx, timeouts, connection errors). */
  kind?: RetryKind;
  /** Receives before SQS moves the lead to the DLQ; default `leadsQueue.maxReceiveCount`. */
  maxReceiveCount?: number;
}

/**
 * The guaranteed retry window, in seconds: how long after its first delivery attempt a failing lead
 * is still tried once more, with every jitter at its lowest. Attempt `k` comes after the delays of
 * attempts `1..k-1`, and SQS moves the lead to the DLQ instead of offering it a `maxReceiveCount + 1`th
 * time, so the last attempt comes at least this long after the first: an outage shorter than this
 * window ends before a lead runs out of attempts.
 *
 * @example
 * guaranteedWindowSeconds(); // 92_555 (25 h 42 min) with a 1 h cap and 60 receives
 */
export function guaranteedWindowSeconds(options: WindowOptions = {}): number {
  return windowSeconds(options, () => 0);
}

/**
 * The longest the same attempts can take (every jitter at its highest): how long a failing lead can
 * stay on `leads` before it reaches the DLQ. SQS counts the DLQ's retention from the lead's first
 * enqueue, so this must stay well inside it.
 *
 * @example
 * longestWindowSeconds(); // 185_110 (2 days 3 h)
 */
export function longestWindowSeconds(options: WindowOptions = {}): number {
  return windowSeconds(options, () => 1);
}

function windowSeconds(options: WindowOptions, random: () => number): number {
  const kind = options.kind ?? 'transient';
  const receives = options.maxReceiveCount ?? leadsQueue.maxReceiveCount;
  let total = 0;
  for (let receiveCount = 1; receiveCount < receives; receiveCount++) {
    total += retryDelaySeconds({ receiveCount, kind, random });
  }
  return total;
}
