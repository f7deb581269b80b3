import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultRateLimit,
  gatewayLimit,
  rateLimiter,
  rateLimitSettings,
  tooManyRequests,
} from '#local/rate-limit.ts';
import { errorResult } from '#shared/http/response.ts';

/** A clock the test moves by hand (milliseconds). */
function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
  };
}

describe('rateLimiter', () => {
  it('lets a burst through at once, then refuses with Retry-After', () => {
    // Prepare
    const clock = fakeClock();
    const limiter = rateLimiter({ ratePerSecond: 50, burst: 100, now: clock.now });

    // Act
    const decisions = Array.from({ length: 101 }, () => limiter.take('source:demo'));

    // Assess
    expect(decisions.slice(0, 100).every((decision) => decision.allowed)).toBe(true);
    expect(decisions[100]).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('refills at the steady rate', () => {
    // Prepare
    const clock = fakeClock();
    const limiter = rateLimiter({ ratePerSecond: 2, burst: 1, now: clock.now });
    limiter.take('k');

    // Act
    const tooSoon = limiter.take('k');
    clock.advance(499);
    const stillTooSoon = limiter.take('k');
    clock.advance(1);
    const onTime = limiter.take('k');

    // Assess
    expect(tooSoon).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(stillTooSoon.allowed).toBe(false);
    expect(onTime.allowed).toBe(true);
  });

  it('says how many whole seconds a slow bucket needs', () => {
    // Prepare
    const clock = fakeClock();
    const limiter = rateLimiter({ ratePerSecond: 0.25, burst: 1, now: clock.now });
    limiter.take('k');

    // Act
    const refused = limiter.take('k');
    clock.advance(1500);
    const later = limiter.take('k');

    // Assess
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 4 });
    expect(later).toEqual({ allowed: false, retryAfterSeconds: 3 });
  });

  it('keeps a bucket per key', () => {
    // Prepare
    const clock = fakeClock();
    const limiter = rateLimiter({ ratePerSecond: 1, burst: 1, now: clock.now });
    limiter.take('source:a');

    // Act
    const a = limiter.take('source:a');
    const b = limiter.take('source:b');

    // Assess
    expect(a.allowed).toBe(false);
    expect(b.allowed).toBe(true);
  });

  it('never gains tokens from a clock that goes backwards or reads NaN', () => {
    // Prepare
    const clock = fakeClock(10_000);
    const limiter = rateLimiter({ ratePerSecond: 1, burst: 1, now: clock.now });
    limiter.take('k');

    // Act
    clock.set(0);
    const afterRewind = limiter.take('k');
    clock.set(Number.NaN);
    const afterNaN = limiter.take('k');
    clock.set(11_000);
    const oneSecondLater = limiter.take('k');

    // Assess
    expect(afterRewind.allowed).toBe(false);
    expect(afterNaN.allowed).toBe(false);
    expect(oneSecondLater.allowed).toBe(true);
  });

  it('holds at most maxKeys buckets, dropping refilled ones before the least recently used', () => {
    // Prepare: 'busy' is the least recently used but still spent; the idle ones have refilled
    const clock = fakeClock();
    const limiter = rateLimiter({ ratePerSecond: 1, burst: 2, now: clock.now, maxKeys: 3 });
    limiter.take('busy');
    limiter.take('busy');
    clock.advance(100);
    limiter.take('idle-1');
    limiter.take('idle-2');
    clock.advance(1000);

    // Act
    limiter.take('new');
    const busy = [limiter.take('busy'), limiter.take('busy')];

    // Assess: 'busy' kept its 1.1 tokens (a dropped bucket would have come back full: 2 requests)
    expect(limiter.size()).toBeLessThanOrEqual(3);
    expect(busy.map((decision) => decision.allowed)).toEqual([true, false]);
  });

  it.each([
    [{ ratePerSecond: 0, burst: 1 }],
    [{ ratePerSecond: -1, burst: 1 }],
    [{ ratePerSecond: Number.NaN, burst: 1 }],
    [{ ratePerSecond: Number.POSITIVE_INFINITY, burst: 1 }],
    [{ ratePerSecond: 1, burst: 0 }],
    [{ ratePerSecond: 1, burst: 1.5 }],
  ])('refuses settings %o', (settings) => {
    // Act
    const make = () => rateLimiter(settings);

    // Assess
    expect(make).toThrow(RangeError);
  });
});

describe('rateLimiter properties', () => {
  const step = fc.record({
    key: fc.constantFrom('a', 'b', 'c'),
    waitMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3000 })),
  });
  const settings = fc.record({
    ratePerSecond: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0.1, max: 20, noNaN: true })),
    burst: fc.integer({ min: 1, max: 20 }),
  });

  it('never allows more than burst + rate × elapsed per key, and always allows a request a full token later', () => {
    fc.assert(
      fc.property(settings, fc.array(step, { maxLength: 200 }), ({ ratePerSecond, burst }, steps) => {
        // Prepare
        const clock = fakeClock();
        const limiter = rateLimiter({ ratePerSecond, burst, now: clock.now });
        const allowedAt = new Map<string, number[]>();
        const lastTake = new Map<string, number>();

        for (const { key, waitMs } of steps) {
          clock.advance(waitMs);
          const at = clock.now();
          const idleMs = at - (lastTake.get(key) ?? Number.NEGATIVE_INFINITY);

          // Act
          const decision = limiter.take(key);

          // Assess
          lastTake.set(key, at);
          if (idleMs >= (burst * 1000) / ratePerSecond + 1) expect(decision.allowed).toBe(true);
          if (decision.allowed) {
            const times = allowedAt.get(key) ?? [];
            times.push(at);
            allowedAt.set(key, times);
            const first = times[0] as number;
            // every window from a fresh bucket's first request on
            for (const start of times) {
              const inWindow = times.filter((time) => time >= start).length;
              expect(inWindow).toBeLessThanOrEqual(burst + ((at - start) / 1000) * ratePerSecond + 1e-6);
            }
            expect(times.length).toBeLessThanOrEqual(burst + ((at - first) / 1000) * ratePerSecond + 1e-6);
          } else {
            expect(Number.isInteger(decision.retryAfterSeconds)).toBe(true);
            expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('lets a refused request through once its Retry-After has passed', () => {
    fc.assert(
      fc.property(settings, fc.array(step, { maxLength: 60 }), ({ ratePerSecond, burst }, steps) => {
        // Prepare
        const clock = fakeClock();
        const limiter = rateLimiter({ ratePerSecond, burst, now: clock.now });
        for (const { key, waitMs } of steps) {
          clock.advance(waitMs);
          limiter.take(key);
        }
        let refused = limiter.take('a');
        while (refused.allowed) refused = limiter.take('a');

        // Act
        clock.advance(refused.retryAfterSeconds * 1000);
        const retried = limiter.take('a');

        // Assess
        expect(retried.allowed).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never holds more than maxKeys buckets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.record({ key: fc.string({ maxLength: 3 }), waitMs: fc.nat(2000) }), { maxLength: 200 }),
        (maxKeys, steps) => {
          // Prepare
          const clock = fakeClock();
          const limiter = rateLimiter({ ratePerSecond: 1, burst: 2, now: clock.now, maxKeys });

          for (const { key, waitMs } of steps) {
            // Act
            clock.advance(waitMs);
            limiter.take(key);

            // Assess
            expect(limiter.size()).toBeLessThanOrEqual(maxKeys);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('gatewayLimit: one bucket per client IP', () => {
  it('refuses a client that spent its burst while another client still gets through', () => {
    // Prepare
    const clock = fakeClock();
    const limit = gatewayLimit(rateLimiter({ ratePerSecond: 1, burst: 2, now: clock.now }));

    // Act
    const flooding = ['10.0.0.1', '10.0.0.1', '10.0.0.1'].map((ip) => limit(ip));
    const other = limit('10.0.0.2');

    // Assess
    expect(flooding).toEqual([undefined, undefined, 1]);
    expect(other).toBeUndefined();
  });

  it('accepts one request from each of 300 clients at once with the defaults', () => {
    // Prepare
    const clock = fakeClock();
    const limit = gatewayLimit(rateLimiter({ ...defaultRateLimit, now: clock.now }));
    const clients = Array.from({ length: 300 }, (_, index) => `127.0.${index >> 8}.${(index % 256) + 1}`);

    // Act
    const answers = clients.map((ip) => limit(ip));

    // Assess
    expect(answers.filter((answer) => answer !== undefined)).toEqual([]);
  });

  it('forgets idle clients as others arrive, so the map holds the recently active ones', () => {
    // Prepare: 50 clients post once, then stay quiet long enough for their buckets to refill
    const clock = fakeClock();
    const limiter = rateLimiter({ ratePerSecond: 1, burst: 2, now: clock.now });
    for (let index = 0; index < 50; index++) limiter.take(`idle-${index}`);
    clock.advance(2000);

    // Act: 30 requests of one busy client
    for (let index = 0; index < 30; index++) limiter.take('busy');

    // Assess
    expect(limiter.size()).toBe(1);
  });

  it('keeps a client that is still spent however many others come and go', () => {
    // Prepare
    const clock = fakeClock();
    const limiter = rateLimiter({ ratePerSecond: 0.001, burst: 1, now: clock.now });
    limiter.take('spent');

    // Act
    for (let index = 0; index < 100; index++) {
      clock.advance(10);
      limiter.take(`passer-${index}`);
    }
    const again = limiter.take('spent');

    // Assess
    expect(again.allowed).toBe(false);
  });

  it('answers the 429 of the HTTP contract', () => {
    // Act
    const result = errorResult(tooManyRequests(3));

    // Assess
    expect(result.statusCode).toBe(429);
    expect(result.headers['retry-after']).toBe('3');
    expect(JSON.parse(String(result.body))).toEqual({
      error: { code: 'rate_limited', message: 'Too many requests from this client: retry in 3 seconds.' },
    });
  });
});

describe('rateLimitSettings', () => {
  it.each([
    [{}, defaultRateLimit],
    [{ RATE_LIMIT_RPS: '5' }, { ratePerSecond: 5, burst: 100 }],
    [{ RATE_LIMIT_RPS: '500' }, { ratePerSecond: 500, burst: 500 }],
    [
      { RATE_LIMIT_RPS: '2.5', RATE_LIMIT_BURST: '3' },
      { ratePerSecond: 2.5, burst: 3 },
    ],
    [{ RATE_LIMIT_RPS: ' ', RATE_LIMIT_BURST: '' }, defaultRateLimit],
    [{ RATE_LIMIT_RPS: '0' }, undefined],
  ])('reads %o', (env, expected) => {
    // Act
    const settings = rateLimitSettings(env);

    // Assess
    expect(settings).toEqual(expected);
  });

  it.each([
    [{ RATE_LIMIT_RPS: 'fast' }, /RATE_LIMIT_RPS/],
    [{ RATE_LIMIT_RPS: '-1' }, /RATE_LIMIT_RPS/],
    [{ RATE_LIMIT_BURST: '0' }, /RATE_LIMIT_BURST/],
    [{ RATE_LIMIT_BURST: '1.5' }, /RATE_LIMIT_BURST/],
    [{ RATE_LIMIT_RPS: '1e3' }, /RATE_LIMIT_RPS/],
  ])('refuses %o, naming the variable', (env, message) => {
    // Act
    const read = () => rateLimitSettings(env);

    // Assess
    expect(read).toThrow(message);
  });
});
