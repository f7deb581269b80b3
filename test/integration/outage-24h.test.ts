import { afterEach, describe, expect, it } from 'vitest';
import { guaranteedWindowSeconds, retryDelaySeconds } from '#shared/delivery/backoff.ts';
import { leadsQueue } from '#shared/queue/definition.ts';
import {
  deadLetters,
  eventually,
  postForm,
  queueDrained,
  sandboxLeads,
  startTestRuntime,
  testWorkspace,
} from '#test/support/runtime.ts';

/** One second of the retry schedule lasts half a millisecond: a day of outage passes in 43.2 s. */
const TIME_SCALE = 1 / 2000;
const DAY_SECONDS = 24 * 60 * 60;
const LEADS = 20;

describe('a 24-hour Onpipeline outage, time-compressed (docs/operations.md, "Outage window")', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('keeps every lead out of the DLQ for a whole day of connection errors and delivers each once after', async () => {
    // Prepare: the real receive counts and backoff schedule, every jitter at its lowest (the worst
    // case), compressed 2000×; Onpipeline unreachable before the first lead arrives
    expect(guaranteedWindowSeconds()).toBeGreaterThan(DAY_SECONDS);
    const workspace = testWorkspace();
    const runtime = await startTestRuntime(workspace, {
      timeScale: TIME_SCALE,
      retryDelay: (options) => retryDelaySeconds({ ...options, random: () => 0 }),
      onpipelineTimeoutMs: 2000,
    });
    cleanups.push(workspace.cleanup, () => runtime.stop());
    await runtime.stopSandbox();
    const names = Array.from({ length: LEADS }, (_, index) => `Outage-${index}`);

    // Act: every lead is accepted and tried once; then a full (compressed) day passes with
    // Onpipeline down for each of them before it comes back
    const answers = await Promise.all(
      names.map((name) =>
        postForm(
          runtime,
          'demo-contact',
          { first_name: 'Dana', last_name: name },
          { accept: 'application/json' },
        ),
      ),
    );
    await eventually(
      () => (runtime.poller?.stats().failed ?? 0) >= LEADS,
      10_000,
      'a first failed attempt of every lead',
    );
    await new Promise((resolve) => setTimeout(resolve, DAY_SECONDS * TIME_SCALE * 1000));
    const parkedDuringOutage = await deadLetters(runtime);
    await runtime.startSandboxAgain();
    const delivered = await eventually(
      async () => {
        const leads =
          (await sandboxLeads(runtime)).filter((lead) => names.includes(lead.body.LastName ?? '')) ?? [];
        return leads.length >= LEADS ? leads : undefined;
      },
      30_000,
      'every lead delivered after the outage',
    );
    await queueDrained(runtime, 30_000);

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual(names.map(() => 202));
    expect(parkedDuringOutage).toEqual([]);
    expect(await deadLetters(runtime)).toEqual([]);
    const deliveredNames = (await sandboxLeads(runtime))
      .map((lead) => lead.body.LastName)
      .filter((name) => names.includes(name ?? ''));
    expect(deliveredNames?.sort()).toEqual([...names].sort());
    expect(delivered).toHaveLength(LEADS);
    const deliveringAttempts = runtime
      .recentAttempts()
      .filter((attempt) => attempt.outcome.kind === 'delivered')
      .map((attempt) => attempt.attempt);
    expect(deliveringAttempts).toHaveLength(LEADS);
    // each lead was received well past the old budget of 10, and within the queue's
    for (const attempt of deliveringAttempts) {
      expect(attempt).toBeGreaterThan(10);
      expect(attempt).toBeLessThanOrEqual(leadsQueue.maxReceiveCount);
    }
  }, 150_000);
});
