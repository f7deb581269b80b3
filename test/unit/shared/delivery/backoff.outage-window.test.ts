import { describe, expect, it } from 'vitest';
import {
  backoff,
  guaranteedWindowSeconds,
  longestWindowSeconds,
  MAX_VISIBILITY_SECONDS,
  retryDelaySeconds,
} from '#shared/delivery/backoff.ts';
import { deadLetterQueue, leadsQueue } from '#shared/queue/definition.ts';

const DAY = 24 * 60 * 60;

describe('the outage window (docs/operations.md, "Outage window")', () => {
  it('keeps a lead out of the DLQ through a 24-hour outage, with every jitter at its lowest', () => {
    // Act
    const window = guaranteedWindowSeconds();

    // Assess
    expect(window).toBeGreaterThanOrEqual(DAY);
    expect(window).toBe(92_555); // the number docs/operations.md gives: 25 h 42 min
  });

  it('is the sum of the lowest delays of every attempt but the last', () => {
    // Prepare
    const receives = 4;
    const lowest = [1, 2, 3].map((receiveCount) =>
      retryDelaySeconds({ receiveCount, kind: 'transient', random: () => 0 }),
    );

    // Act
    const window = guaranteedWindowSeconds({ maxReceiveCount: receives });

    // Assess
    expect(lowest).toEqual([5, 10, 20]);
    expect(window).toBe(35);
  });

  it('would not survive a day with the old settings (10 receives, 15-minute cap)', () => {
    // Act: the old maxReceiveCount under today's schedule already falls far short
    const window = guaranteedWindowSeconds({ maxReceiveCount: 10 });

    // Assess
    expect(window).toBeLessThan(DAY / 10);
  });

  it('asks SQS for no delay longer than its 12-hour visibility limit', () => {
    // Act
    const longest = Math.max(
      ...Array.from({ length: leadsQueue.maxReceiveCount }, (_, index) =>
        Math.max(
          retryDelaySeconds({ receiveCount: index + 1, kind: 'transient', random: () => 1 }),
          retryDelaySeconds({ receiveCount: index + 1, kind: 'configuration', random: () => 1 }),
          retryDelaySeconds({ receiveCount: index + 1, kind: 'transient', retryAfterSeconds: 10 * DAY }),
        ),
      ),
    );

    // Assess
    expect(longest).toBeLessThanOrEqual(MAX_VISIBILITY_SECONDS);
    expect(backoff.capSeconds).toBeLessThanOrEqual(MAX_VISIBILITY_SECONDS);
  });

  it('leaves a dead-lettered lead most of the 14-day retention to be redriven', () => {
    // Act: SQS counts the DLQ retention from the lead's first enqueue
    const longest = Math.max(longestWindowSeconds(), longestWindowSeconds({ kind: 'configuration' }));

    // Assess
    expect(longest).toBeLessThanOrEqual(3 * DAY);
    expect(deadLetterQueue.retentionSeconds - longest).toBeGreaterThanOrEqual(10 * DAY);
    expect(leadsQueue.retentionSeconds).toBeGreaterThan(longest);
  });

  it('keeps configuration failures (401/403/404) out of the DLQ for a whole day too', () => {
    // Act
    const window = guaranteedWindowSeconds({ kind: 'configuration' });

    // Assess: every attempt waits at least 80% of the configuration delay
    expect(window).toBe((leadsQueue.maxReceiveCount - 1) * backoff.configurationSeconds * 0.8);
    expect(window).toBeGreaterThanOrEqual(DAY);
  });
});

describe('MAX_VISIBILITY_SECONDS', () => {
  it('is SQS’s limit for ChangeMessageVisibility: 12 hours', () => {
    // Assess
    expect(MAX_VISIBILITY_SECONDS).toBe(43_200);
  });
});
