/**
 * How long a lead waits before its next delivery attempt, from its receive count: exponential with
 * full jitter, capped. Configuration failures (token, IP whitelist, URL) wait long: a person must fix
 * something. A 429's Retry-After is honoured as a floor.
 *
 * @example
 * retryDelaySeconds({ receiveCount: 3, kind: 'transient' }); // somewhere in 10..40 s
 */
export const backoff = {
  baseSeconds: 10,
  capSeconds: 15 * 60,
  configurationSeconds: 15 * 60,
} as const;

export function retryDelaySeconds(options: {
  receiveCount: number;
  kind: 'transient' | 'configuration';
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
