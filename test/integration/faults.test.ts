import { describe, expect, it } from 'vitest';
import { runChaos } from '#local/chaos.ts';

/**
 * Fault tests of the delivery promise, through the real runtime (embedded queue, poller, deliver,
 * sandbox injecting faults). Bounded: each run stops waiting after its timeout.
 */
describe('delivery under faults', () => {
  it('(a) 2,000 leads with 20% transient faults: all delivered, none twice', {
    timeout: 240_000,
  }, async () => {
    // Act
    const report = await runChaos({
      leads: 2000,
      faults: { error500: 0.07, rateLimit429: 0.07, resetBeforeAnswer: 0.07, seed: 1 },
      timeoutMs: 200_000,
    });

    // Assess
    expect(report.accepted).toBe(2000);
    expect(report.lost).toBe(0);
    expect(report.delivered).toBe(2000);
    expect(report.duplicated).toBe(0);
    expect(report.deadLettered).toBe(0);
    expect(Object.values(report.faultsInjected).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(300);
  });

  it('(c) permanent faults: exactly the rejected leads wait in the DLQ, none lost', {
    timeout: 120_000,
  }, async () => {
    // Act
    const report = await runChaos({ leads: 300, faults: { reject406: 0.1, seed: 3 }, timeoutMs: 90_000 });

    // Assess
    expect(report.lost).toBe(0);
    expect(report.deadLettered).toBe(report.faultsInjected.reject406);
    expect(report.delivered + report.deadLettered).toBe(300);
    expect(report.duplicated).toBe(0);
  });

  it('(d) commit-then-drop: none lost, every duplicate explained by an ambiguous attempt', {
    timeout: 120_000,
  }, async () => {
    // Act
    const report = await runChaos({
      leads: 300,
      faults: { commitThenDrop: 0.1, seed: 5 },
      timeoutMs: 90_000,
    });

    // Assess
    const injected = report.faultsInjected.commitThenDrop ?? 0;
    console.info(
      `commit-then-drop: ${injected} injected, ${report.ambiguousAttempts} ambiguous attempts, ` +
        `${report.duplicated} duplicates in Onpipeline`,
    );
    expect(injected).toBeGreaterThan(0);
    expect(report.lost).toBe(0);
    expect(report.delivered).toBe(300);
    // An extra copy needs an attempt that reached Onpipeline without deliver learning so: an ambiguous
    // one (a dropped connection, or a timeout when the machine is slow), never a recorded key. So the
    // copies are bounded by the ambiguous attempts counted (delivery_ambiguous), each injected drop being one.
    expect(report.ambiguousAttempts).toBeGreaterThanOrEqual(injected);
    expect(report.duplicated).toBeLessThanOrEqual(report.ambiguousAttempts);
  });
});
