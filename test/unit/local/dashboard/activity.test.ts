import { describe, expect, it } from 'vitest';
import { activitySeries, OTHER_SOURCES } from '#local/dashboard/activity.ts';

const MINUTE = 60_000;
const start = Date.parse('2026-12-04T18:00:00.000Z');

/** A series on a clock the test moves. */
function seriesAt(options: { buckets?: number; maxSources?: number } = {}) {
  const clock = { now: start };
  const series = activitySeries({ ...options, now: () => clock.now });
  return { series, clock };
}

describe('the activity series behind the charts', () => {
  it('counts leads per source and minute, newest bucket last', () => {
    // Prepare
    const { series, clock } = seriesAt({ buckets: 5 });

    // Act
    series.accepted('demo-contact');
    series.accepted('demo-contact');
    clock.now += MINUTE;
    series.accepted('partner');
    const snapshot = series.snapshot();

    // Assess
    expect(snapshot.from).toBe('2026-12-04T17:57:00.000Z');
    expect(snapshot.to).toBe('2026-12-04T18:01:00.000Z');
    expect(snapshot.leads.total).toEqual([0, 0, 0, 2, 1]);
    expect(snapshot.leads.bySource).toEqual({ 'demo-contact': [0, 0, 0, 2, 0], partner: [0, 0, 0, 0, 1] });
  });

  it('stays bounded: old minutes fall out of the window and reused buckets start empty', () => {
    // Prepare
    const { series, clock } = seriesAt({ buckets: 3 });
    series.accepted('demo-contact');
    series.attempt({ kind: 'permanent', reason: 'x', message: 'y' }, {});

    // Act
    clock.now += 3 * MINUTE;
    series.accepted('demo-contact');
    series.accepted('demo-contact', start); // too old: ignored
    const snapshot = series.snapshot();

    // Assess
    expect(snapshot.leads.total).toEqual([0, 0, 1]);
    expect(snapshot.outcomes.deadLettered).toEqual([0, 0, 0]);
  });

  it('groups outcomes into delivered, retrying and dead-lettered', () => {
    // Prepare
    const { series } = seriesAt({ buckets: 1 });

    // Act
    series.attempt({ kind: 'delivered', status: 201, leadId: '1' }, {});
    series.attempt({ kind: 'delivered', status: 201, leadId: '1', replayed: true }, {});
    series.attempt({ kind: 'duplicate', status: 409, message: 'dup' }, {});
    series.attempt({ kind: 'transient', message: 'down', ambiguous: false }, {});
    series.attempt({ kind: 'configuration', status: 401, message: 'token' }, {});
    series.attempt({ kind: 'permanent', reason: 'mapping_failed', message: 'x' }, {});

    // Assess
    expect(series.snapshot().outcomes).toEqual({ delivered: [3], retrying: [2], deadLettered: [1] });
  });

  it('gives p50 and p95 of accepted → 201 per minute within 8 %, fresh deliveries only', () => {
    // Prepare
    const { series, clock } = seriesAt({ buckets: 2 });
    clock.now += MINUTE;
    const delivered = { kind: 'delivered' as const, status: 201, leadId: '1' };

    // Act: 100 deliveries taking 10, 20, ..., 1000 ms; a replay (no send) is not a latency
    for (let index = 1; index <= 100; index++) {
      series.attempt(delivered, { receivedAt: new Date(clock.now - index * 10).toISOString() });
    }
    series.attempt(
      { ...delivered, replayed: true },
      { receivedAt: new Date(start - 10 * MINUTE).toISOString() },
    );
    const { latencyMs } = series.snapshot();

    // Assess
    expect(latencyMs.count).toEqual([0, 100]);
    expect(latencyMs.p50[0]).toBeNull();
    expect(Math.abs((latencyMs.p50[1] ?? 0) - 500) / 500).toBeLessThan(0.08);
    expect(Math.abs((latencyMs.p95[1] ?? 0) - 950) / 950).toBeLessThan(0.08);
  });

  it('draws at most maxSources sources and counts the rest together', () => {
    // Prepare
    const { series } = seriesAt({ buckets: 1, maxSources: 2 });

    // Act
    for (const source of ['a', 'b', 'c', 'd', 'a']) series.accepted(source);

    // Assess
    expect(series.snapshot().leads.bySource).toEqual({ a: [2], [OTHER_SOURCES]: [2], b: [1] });
  });
});
