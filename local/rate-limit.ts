import { HttpError } from '#shared/http/errors.ts';

/**
 * Rate limiting for the one-machine gateway: a token bucket per client IP address (the API Gateway
 * event's `requestContext.http.sourceIp`, i.e. the socket's remote address; `X-Forwarded-For` is never
 * trusted), so one noisy sender is slowed down while every other sender still gets through.
 * Pure: no timers, no I/O; the clock is injected. See docs/operations.md, "Rate limiting".
 *
 * Each key owns a bucket of `burst` tokens that refills at `ratePerSecond` tokens per second and
 * starts full. A request takes one token; with none left it is refused and told how many whole
 * seconds to wait (`Retry-After`, at least 1) until a token is back. A bucket that has refilled
 * completely is the same as a new one, so idle clients are forgotten as others arrive.
 */

export interface RateLimitSettings {
  /** Steady-state requests per second of one client (> 0). */
  ratePerSecond: number;
  /** Requests one client may make at once after a quiet period: the bucket's size (≥ 1). */
  burst: number;
}

export interface RateLimiterOptions extends RateLimitSettings {
  /** The clock in milliseconds (`Date.now`, `performance.now`, a test's fake); default `performance.now`. */
  now?: () => number;
  /**
   * Most buckets kept; default 10,000. Over it, buckets that refilled completely are dropped first
   * (a full bucket is the same as a new one), then the least recently used.
   */
  maxKeys?: number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Takes a token from `key`'s bucket: allowed, or refused with the seconds to wait. */
  take(key: string): RateLimitDecision;
  /** How many buckets are held (bounded by `maxKeys`). */
  size(): number;
}

/**
 * Per client: the numbers of the API Gateway stage defaults (infra/settings.ts `throttleRateLimit`,
 * `throttleBurstLimit`), which one client alone may use up locally.
 */
export const defaultRateLimit: Readonly<RateLimitSettings> = { ratePerSecond: 50, burst: 100 };

const DEFAULT_MAX_KEYS = 10_000;

interface Bucket {
  tokens: number;
  /** Clock reading of the last refill. */
  at: number;
}

/**
 * A token-bucket limiter keyed by string (the gateway keys it by client IP: {@link gatewayLimit}).
 *
 * @example
 * const limiter = rateLimiter({ ratePerSecond: 50, burst: 100 });
 * const decision = limiter.take('127.0.0.1');
 * if (!decision.allowed) answer429(decision.retryAfterSeconds);
 */
export function rateLimiter(options: RateLimiterOptions): RateLimiter {
  const { ratePerSecond, burst } = checkSettings(options);
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError('maxKeys must be a whole number ≥ 1');
  const clock = options.now ?? (() => performance.now());
  const buckets = new Map<string, Bucket>();
  let last = Number.NEGATIVE_INFINITY;

  /** A clock that never goes backwards and ignores non-numbers (so a bad clock never adds tokens). */
  const now = (): number => {
    const reading = clock();
    if (Number.isFinite(reading) && reading > last) last = reading;
    return Number.isFinite(last) ? last : 0;
  };

  const refilled = (bucket: Bucket, at: number): number =>
    Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * ratePerSecond);

  /** Forgets up to two of the least recently used clients whose buckets are full again (idle). */
  const forgetIdle = (at: number, current: string) => {
    let forgotten = 0;
    for (const [key, bucket] of buckets) {
      if (forgotten === 2 || key === current || refilled(bucket, at) < burst) return;
      buckets.delete(key);
      forgotten++;
    }
  };

  const evict = (at: number) => {
    for (const [key, bucket] of buckets) {
      if (buckets.size < maxKeys) return;
      if (refilled(bucket, at) >= burst) buckets.delete(key);
    }
    // every bucket is in use: drop the least recently used (Map order: oldest access first)
    for (const key of buckets.keys()) {
      if (buckets.size < maxKeys) return;
      buckets.delete(key);
    }
  };

  return {
    take(key) {
      const at = now();
      let bucket = buckets.get(key);
      if (bucket) {
        bucket.tokens = refilled(bucket, at);
        bucket.at = at;
        buckets.delete(key); // re-inserted below: most recently used last
      } else {
        if (buckets.size >= maxKeys) evict(at);
        bucket = { tokens: burst, at };
      }
      buckets.set(key, bucket);
      forgetIdle(at, key);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      // rounded up (float noise can only lengthen the wait): after it, a token is back for sure
      const seconds = (1 - bucket.tokens) / ratePerSecond;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
    },
    size: () => buckets.size,
  };
}

/**
 * The gateway's hook: `Retry-After` seconds when the client at `sourceIp` is over its limit,
 * `undefined` to let the request through.
 *
 * @example
 * await startGateway({ port, handler, limit: gatewayLimit(rateLimiter(defaultRateLimit)) });
 */
export function gatewayLimit(limiter: RateLimiter): (sourceIp: string) => number | undefined {
  return (sourceIp) => {
    const decision = limiter.take(sourceIp);
    return decision.allowed ? undefined : decision.retryAfterSeconds;
  };
}

/**
 * The HTTP contract's 429: `{"error":{"code":"rate_limited",...}}` with `Retry-After`.
 *
 * @example
 * write(response, errorResult(tooManyRequests(2)));
 */
export function tooManyRequests(retryAfterSeconds: number): HttpError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new HttpError(
    429,
    'rate_limited',
    `Too many requests from this client: retry in ${seconds} second${seconds === 1 ? '' : 's'}.`,
    { headers: { 'retry-after': String(seconds) } },
  );
}

/**
 * The per-client limits `npm start` uses: `RATE_LIMIT_RPS` (default 50) and `RATE_LIMIT_BURST`
 * (default 100, or the rate when that is higher). `RATE_LIMIT_RPS=0` turns limiting off (`undefined`).
 * Throws on a value that is not a number in range, naming the variable.
 *
 * @example
 * rateLimitSettings({ RATE_LIMIT_RPS: '5' }); // { ratePerSecond: 5, burst: 100 }
 */
export function rateLimitSettings(
  env: Readonly<Record<string, string | undefined>> = process.env,
): RateLimitSettings | undefined {
  const rate = numberSetting(env, 'RATE_LIMIT_RPS');
  if (rate === 0) return undefined;
  const ratePerSecond = rate ?? defaultRateLimit.ratePerSecond;
  const burst = numberSetting(env, 'RATE_LIMIT_BURST') ?? Math.max(defaultRateLimit.burst, ratePerSecond);
  return checkSettings({ ratePerSecond, burst }, { rate: 'RATE_LIMIT_RPS', burst: 'RATE_LIMIT_BURST' });
}

function numberSetting(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a number of requests (got "${text}")`);
  }
  return value;
}

function checkSettings(
  settings: RateLimitSettings,
  names = { rate: 'ratePerSecond', burst: 'burst' },
): RateLimitSettings {
  const { ratePerSecond, burst } = settings;
  if (typeof ratePerSecond !== 'number' || !Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
    throw new RangeError(`${names.rate} must be a number of requests per second above 0`);
  }
  if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 1) {
    throw new RangeError(`${names.burst} must be a whole number of requests, at least 1`);
  }
  return { ratePerSecond, burst };
}
