import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime.ts';
import {
  eventually,
  postForm,
  queueDrained,
  sandboxLeads,
  startTestRuntime,
  testWorkspace,
} from '#test/support/runtime.ts';

describe('nothing a sender was told is accepted gets lost', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('retries while Onpipeline is down and delivers once it is back', async () => {
    // Prepare
    const workspace = testWorkspace();
    const runtime = await startTestRuntime(workspace, { retryDelay: () => 1, onpipelineTimeoutMs: 2000 });
    cleanups.push(workspace.cleanup, () => runtime.stop());
    await runtime.stopSandbox();

    // Act
    const response = await postForm(runtime, 'demo-contact', { first_name: 'Patient', last_name: 'Lead' });
    await eventually(() => (runtime.poller?.stats().failed ?? 0) >= 2, 10_000, 'two failed attempts');
    await runtime.startSandboxAgain();

    // Assess
    expect(response.status).toBe(303);
    await eventually(
      async () => (await sandboxLeads(runtime)).some((lead) => lead.body.LastName === 'Lead'),
      10_000,
      'delivery after the outage',
    );
    await queueDrained(runtime);
    expect((await sandboxLeads(runtime)).filter((lead) => lead.body.LastName === 'Lead')).toHaveLength(1);
  });

  it('keeps queued leads across a restart of the runtime', async () => {
    // Prepare: a runtime that accepts but does not deliver (as if the worker were down)
    const workspace = testWorkspace();
    const first: Runtime = await startTestRuntime(workspace, { deliver: false });
    cleanups.push(workspace.cleanup);
    const names = ['Uno', 'Dos', 'Tres', 'Cuatro', 'Cinco'];
    for (const name of names) {
      const response = await postForm(first, 'demo-contact', { first_name: name, last_name: 'Restart' });
      expect(response.status).toBe(303);
    }

    // Act
    await first.stop();
    const second = await startTestRuntime(workspace);
    cleanups.push(() => second.stop());

    // Assess
    const delivered = await eventually(
      async () => {
        const leads = (await sandboxLeads(second)).filter((lead) => lead.body.LastName === 'Restart');
        return leads.length >= names.length ? leads : undefined;
      },
      10_000,
      'all five leads delivered after the restart',
    );
    expect(delivered.map((lead) => lead.body.FirstName).sort()).toEqual([...names].sort());
  });

  it('answers 503 with Retry-After, never 2xx, when the queue is unreachable', async () => {
    // Prepare
    const workspace = testWorkspace();
    const runtime = await startTestRuntime(workspace, { deliver: false });
    cleanups.push(workspace.cleanup, () => runtime.stop());
    await runtime.stopQueue();

    // Act
    const response = await fetch(`${runtime.gatewayUrl}/v1/forms/demo-contact`, {
      method: 'POST',
      headers: { origin: runtime.gatewayUrl, 'content-type': 'application/json' },
      body: JSON.stringify({ first_name: 'No', last_name: 'Queue' }),
    });

    // Assess
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('queue_unavailable');
  });
});
