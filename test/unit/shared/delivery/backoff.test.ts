import { describe, expect, it } from 'vitest';
import { backoff, retryDelaySeconds } from '#shared/delivery/backoff.ts';

const lowest = () => 0;
const middle = () => 0.5;
const highest = () => 0.999_999;

/** The exponential ceiling for one attempt: base × 2^(n-1), capped. */
const ceilingOf = (receiveCount: number) =>
  Math.min(backoff.capSeconds, backoff.baseSeconds * 2 ** (Math.max(1, receiveCount) - 1));

describe('retryDelaySeconds: transient failures', () => {
  it('grows with the receive count until the cap', () => {
    // Prepare
    const counts = [1, 2, 3, 4, 5, 6, 7, 8];

    // Act
    const delays = counts.map((receiveCount) =>
      retryDelaySeconds({ receiveCount, kind: 'transient', random: middle }),
    );

    // Assess
    for (let index = 1; index < delays.length; index++) {
      expect(delays[index]).toBeGreaterThan(delays[index - 1] as number);
    }
    expect(delays[1]).toBe(2 * (delays[0] as number) - 1); // 15 = 2 × 7.5, rounded
    expect(delays[2]).toBe(2 * (delays[1] as number));
  });

  it.each([1, 2, 5, 7, 8, 10, 50, 1024, 5000])(
    'never exceeds capSeconds at receive count %i',
    (receiveCount) => {
      // Act
      const delay = retryDelaySeconds({ receiveCount, kind: 'transient', random: highest });

      // Assess
      expect(delay).toBeLessThanOrEqual(backoff.capSeconds);
      expect(Number.isFinite(delay)).toBe(true);
    },
  );

  it('reaches the cap for a high receive count', () => {
    // Act
    const delay = retryDelaySeconds({ receiveCount: 30, kind: 'transient', random: highest });

    // Assess
    expect(delay).toBe(backoff.capSeconds);
  });

  it.each([1, 2, 3, 4, 6, 9, 12])(
    'keeps the jitter within [ceiling/2, ceiling] at receive count %i',
    (receiveCount) => {
      // Prepare
      const ceiling = ceilingOf(receiveCount);

      // Act
      const [low, high] = [lowest, highest].map((random) =>
        retryDelaySeconds({ receiveCount, kind: 'transient', random }),
      );

      // Assess
      expect(low).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
      expect(high).toBeLessThanOrEqual(ceiling);
      expect(high).toBeGreaterThan(low as number);
    },
  );

  it('spreads delays: different random draws give different delays', () => {
    // Act
    const delays = new Set(
      [0, 0.25, 0.5, 0.75, 0.99].map((draw) =>
        retryDelaySeconds({ receiveCount: 5, kind: 'transient', random: () => draw }),
      ),
    );

    // Assess
    expect(delays.size).toBe(5);
  });

  it.each([0, -3])('treats the receive count %i as the first attempt', (receiveCount) => {
    // Act
    const delay = retryDelaySeconds({ receiveCount, kind: 'transient', random: middle });

    // Assess
    expect(delay).toBe(retryDelaySeconds({ receiveCount: 1, kind: 'transient', random: middle }));
  });

  it('uses Math.random when no random is given, within bounds', () => {
    // Act
    const delays = Array.from({ length: 50 }, () =>
      retryDelaySeconds({ receiveCount: 4, kind: 'transient' }),
    );

    // Assess
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(ceilingOf(4) / 2);
      expect(delay).toBeLessThanOrEqual(ceilingOf(4));
    }
  });
});

describe('retryDelaySeconds: Retry-After', () => {
  it('waits at least retryAfterSeconds', () => {
    // Act
    const delay = retryDelaySeconds({
      receiveCount: 1,
      kind: 'transient',
      retryAfterSeconds: 120,
      random: lowest,
    });

    // Assess
    expect(delay).toBe(120);
  });

  it('keeps a longer backoff when retryAfterSeconds is shorter', () => {
    // Prepare
    const without = retryDelaySeconds({ receiveCount: 6, kind: 'transient', random: middle });

    // Act
    const delay = retryDelaySeconds({
      receiveCount: 6,
      kind: 'transient',
      retryAfterSeconds: 3,
      random: middle,
    });

    // Assess
    expect(delay).toBe(without);
  });

  it('still caps a Retry-After longer than capSeconds', () => {
    // Act
    const delay = retryDelaySeconds({
      receiveCount: 1,
      kind: 'transient',
      retryAfterSeconds: 24 * 3600,
      random: lowest,
    });

    // Assess
    expect(delay).toBe(backoff.capSeconds);
  });
});

describe('retryDelaySeconds: configuration failures', () => {
  it.each([1, 2, 10])('waits about configurationSeconds at receive count %i', (receiveCount) => {
    // Act
    const [low, mid, high] = [lowest, middle, highest].map((random) =>
      retryDelaySeconds({ receiveCount, kind: 'configuration', random }),
    );

    // Assess
    expect(mid).toBe(backoff.configurationSeconds);
    expect(low).toBeGreaterThanOrEqual(backoff.configurationSeconds * 0.8);
    expect(high).toBeLessThanOrEqual(backoff.configurationSeconds * 1.2);
  });

  it('waits longer than a first transient retry', () => {
    // Act
    const configuration = retryDelaySeconds({ receiveCount: 1, kind: 'configuration', random: lowest });
    const transient = retryDelaySeconds({ receiveCount: 1, kind: 'transient', random: highest });

    // Assess
    expect(configuration).toBeGreaterThan(transient);
  });
});
