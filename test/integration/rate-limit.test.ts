import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RateLimitSettings, rateLimitSettings } from '#local/rateLimit.ts';
import type { Runtime, RuntimeOptions } from '#local/runtime.ts';
import {
  attemptsFor,
  eventually,
  postForm,
  queueDrained,
  startTestRuntime,
  testWorkspace,
} from '#test/support/runtime.ts';

/** A second form source, so one source's limit can be shown not to touch another's. */
const otherForm = `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: { from: last_name, default: "-" }
`;

/** The runtime's rate-limit option (`rateLimit`), as local/runtime.ts takes it once wired. */
type RateLimitedOptions = RuntimeOptions & { rateLimit?: RateLimitSettings };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: RateLimitedOptions = {}): Promise<Runtime> {
  const workspace = testWorkspace({ 'rl-other': otherForm });
  cleanups.push(() => workspace.cleanup());
  const runtime = await startTestRuntime(workspace, options);
  cleanups.push(() => runtime.stop());
  return runtime;
}

const lead = (lastName: string) => ({ first_name: 'Rita', last_name: lastName });
const asJson = { accept: 'application/json' };

describe('rate limiting on one machine (the API Gateway throttle, per source)', () => {
  it('answers 429 rate_limited with Retry-After once a source spends its burst, and never queues that lead', async () => {
    // Prepare
    const options: RateLimitedOptions = { rateLimit: { ratePerSecond: 1, burst: 2 } };
    const runtime = await start(options);

    // Act
    const first = await postForm(runtime, 'demo-contact', lead('Limited-1'), asJson);
    const second = await postForm(runtime, 'demo-contact', lead('Limited-2'), asJson);
    const third = await postForm(runtime, 'demo-contact', lead('Limited-3'), asJson);
    const otherSource = await postForm(runtime, 'rl-other', lead('Other-1'), asJson);

    // Assess
    expect([first.status, second.status, third.status, otherSource.status]).toEqual([202, 202, 429, 202]);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(third.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await third.json()).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
    const delivered = await eventually(
      () => {
        const names = runtime.sandbox?.leads().map((item) => item.body.LastName) ?? [];
        return names.length >= 3 ? names : undefined;
      },
      10_000,
      'the accepted leads',
    );
    await queueDrained(runtime);
    expect(delivered.sort()).toEqual(['Limited-1', 'Limited-2', 'Other-1']);
    expect(attemptsFor(runtime, 'last_name', 'Limited-3')).toEqual([]);
  });

  it('lets the source post again once Retry-After has passed', async () => {
    // Prepare
    const options: RateLimitedOptions = { rateLimit: { ratePerSecond: 1, burst: 1 } };
    const runtime = await start(options);
    await postForm(runtime, 'demo-contact', lead('Again-1'), asJson);
    const refused = await postForm(runtime, 'demo-contact', lead('Again-2'), asJson);

    // Act
    await new Promise((resolve) => setTimeout(resolve, Number(refused.headers.get('retry-after')) * 1000));
    const retried = await postForm(runtime, 'demo-contact', lead('Again-2'), asJson);

    // Assess
    expect(refused.status).toBe(429);
    expect(retried.status).toBe(202);
  });

  it('npm start reads RATE_LIMIT_RPS and RATE_LIMIT_BURST', async () => {
    // Prepare: `npm start`'s entry point as its own process, on free ports
    const workspace = testWorkspace();
    cleanups.push(() => workspace.cleanup());
    const child = spawn(process.execPath, ['local/start.ts'], {
      env: {
        ...process.env,
        PORT: '0',
        SANDBOX_PORT: '0',
        QUEUE_PORT: '0',
        SOURCES_DIR: workspace.sourcesDir,
        LEADGATE_DATA_DIR: workspace.dataDir,
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        RATE_LIMIT_RPS: '1',
        RATE_LIMIT_BURST: '1',
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanups.push(async () => {
      child.kill('SIGTERM');
      await exited;
    });
    const stateFile = join(workspace.dataDir, 'runtime.json');
    await eventually(() => existsSync(stateFile), 20_000, 'npm start to start');
    const { gatewayUrl } = JSON.parse(readFileSync(stateFile, 'utf8')) as { gatewayUrl: string };

    // Act
    const statuses: number[] = [];
    for (let index = 0; index < 2; index++) statuses.push((await fetch(`${gatewayUrl}/health`)).status);

    // Assess
    expect(statuses).toEqual([200, 429]);
  });

  it('with the AWS defaults (50 requests/s, burst 100) lets a burst of 100 through', async () => {
    // Prepare
    const defaults = rateLimitSettings({});
    expect(defaults).toEqual({ ratePerSecond: 50, burst: 100 });
    const options: RateLimitedOptions = defaults ? { rateLimit: defaults } : {};
    const runtime = await start(options);

    // Act
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        fetch(`${runtime.gatewayUrl}/health`).then((answer) => answer.status),
      ),
    );

    // Assess
    expect(answers.filter((status) => status !== 200)).toEqual([]);
  });
});
