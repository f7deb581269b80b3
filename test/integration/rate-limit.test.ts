import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RateLimitSettings, rateLimitSettings } from '#local/rate-limit.ts';
import type { Runtime, RuntimeOptions } from '#local/runtime.ts';
import {
  eventually,
  postForm,
  queueDrained,
  sandboxLeads,
  startTestRuntime,
  testWorkspace,
} from '#test/support/runtime.ts';

/** The runtime's rate-limit option (`rateLimit`). */
type RateLimitedOptions = RuntimeOptions & { rateLimit?: RateLimitSettings };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: RateLimitedOptions = {}): Promise<Runtime> {
  const workspace = testWorkspace();
  cleanups.push(() => workspace.cleanup());
  const runtime = await startTestRuntime(workspace, options);
  cleanups.push(() => runtime.stop());
  return runtime;
}

const lead = (lastName: string) => ({ first_name: 'Rita', last_name: lastName });
const asJson = { accept: 'application/json' };

/** The `index`th distinct loopback client address: 127.0.1.1 … 127.0.1.250, 127.0.2.1, … (all of 127/8 is loopback). */
const client = (index: number) => `127.0.${1 + Math.floor(index / 250)}.${(index % 250) + 1}`;

/**
 * Posts a JSON-accepting urlencoded form from the loopback address `localAddress`, on a connection of
 * its own (the gateway sees that address as the client's), with optional extra headers.
 */
function postFrom(
  runtime: Runtime,
  localAddress: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  const url = new URL(`${runtime.gatewayUrl}/v1/forms/demo-contact`);
  const body = new URLSearchParams(fields).toString();
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        agent: false,
        headers: {
          origin: runtime.gatewayUrl,
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: response.headers['retry-after'],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('rate limiting on one machine (a token bucket per client IP)', () => {
  it('accepts 300 concurrent form posts from 300 clients with the defaults, and delivers each exactly once', async () => {
    // Prepare
    const defaults = rateLimitSettings({});
    const options: RateLimitedOptions = defaults ? { rateLimit: defaults } : {};
    const runtime = await start(options);
    const names = Array.from({ length: 300 }, (_, index) => `Burst-${index}`);

    // Act
    const answers = await Promise.all(
      names.map((name, index) => postFrom(runtime, client(index), lead(name))),
    );
    await eventually(
      async () => ((await sandboxLeads(runtime)).length ?? 0) >= names.length,
      90_000,
      'all 300 leads delivered',
    );
    await queueDrained(runtime, 30_000);

    // Assess
    expect(answers.filter((answer) => answer.status !== 202)).toEqual([]);
    const delivered = (await sandboxLeads(runtime)).map((item) => item.body.LastName) ?? [];
    expect(delivered).toHaveLength(names.length);
    expect([...delivered].sort()).toEqual([...names].sort());
  }, 180_000);

  it('answers 429 rate_limited with Retry-After to a flooding client, still accepts another, and never queues the refused', async () => {
    // Prepare
    // (one token every 100 s: no refill while the test runs, however slow the machine)
    const options: RateLimitedOptions = { rateLimit: { ratePerSecond: 0.01, burst: 3 } };
    const runtime = await start(options);
    const flooder = client(7);

    // Act: the flooder also claims other addresses in X-Forwarded-For, which the gateway ignores
    const flood = [];
    for (let index = 0; index < 6; index++) {
      flood.push(
        await postFrom(runtime, flooder, lead(`Flood-${index}`), { 'x-forwarded-for': client(100 + index) }),
      );
    }
    const other = await postFrom(runtime, client(8), lead('Other-1'));

    // Assess
    expect(flood.map((answer) => answer.status)).toEqual([202, 202, 202, 429, 429, 429]);
    expect(other.status).toBe(202);
    const refused = flood[3];
    expect(Number(refused?.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused?.body ?? '')).toEqual({
      error: { code: 'rate_limited', message: expect.any(String) },
    });
    await eventually(
      async () => ((await sandboxLeads(runtime)).length ?? 0) >= 4,
      10_000,
      'the accepted leads',
    );
    await queueDrained(runtime, 10_000);
    const delivered = (await sandboxLeads(runtime)).map((item) => item.body.LastName) ?? [];
    expect(delivered.sort()).toEqual(['Flood-0', 'Flood-1', 'Flood-2', 'Other-1']);
  });

  it('lets the client post again once Retry-After has passed', async () => {
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

  it('with the defaults (50 requests/s, burst 100 per client) lets one client burst 100', async () => {
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
