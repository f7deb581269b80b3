import type { Request } from '@middy/core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { count, counterValues, flushMetrics } from '#shared/telemetry.ts';

// Metrics off, as `npm start` and the test suites run (Powertools reads the setting at construction).
const previous = vi.hoisted(() => {
  const saved = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  return saved;
});
afterAll(() => {
  if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = previous;
});

describe('flushMetrics with POWERTOOLS_METRICS_DISABLED=true', () => {
  it('writes nothing, and still keeps the in-process counters', async () => {
    // Prepare
    const written: unknown[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(chunk);
      return true;
    });
    const publish = flushMetrics().after as (request: Request) => Promise<void>;
    const before = counterValues().lead_accepted ?? 0;
    count('lead_accepted', 2);

    // Act
    try {
      await publish({} as Request);
      await publish({} as Request);
    } finally {
      spy.mockRestore();
    }

    // Assess
    expect(written).toEqual([]);
    expect(counterValues().lead_accepted).toBe(before + 2);
  });
});
