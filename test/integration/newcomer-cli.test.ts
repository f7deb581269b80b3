import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { bufferIo } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';
import type { Runtime } from '#local/runtime.ts';
import {
  eventually,
  noteSource,
  sandboxLeads,
  startTestRuntime,
  testWorkspace,
} from '#test/support/runtime.ts';

/** One readable, explicitly UTC time format for every command. */
const UTC_TIME = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/;

/** `npm start` as its own process; resolves with its exit code and what it printed on stderr. */
function npmStart(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['local/start.ts'], {
      env: { ...process.env, PORT: '0', SANDBOX_PORT: '0', QUEUE_PORT: '0', RATE_LIMIT_RPS: '0', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

/** A port taken by someone else. */
async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, server };
}

describe('what a newcomer trips over: npm start and the leadgate command', () => {
  const workspace = testWorkspace({ 'spring-offer': noteSource() });
  const servers: Server[] = [];
  let runtime: Runtime | undefined;

  const leadgate = async (args: string[]) => {
    const io = bufferIo({ cwd: workspace.root });
    const code = await main(
      [...args, '--data-dir', workspace.dataDir, '--sources', workspace.sourcesDir],
      io,
    );
    return { code, out: io.stdout(), err: io.stderr() };
  };

  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });
  afterAll(async () => {
    await runtime?.stop();
    workspace.cleanup();
  });

  it.each([
    ['SANDBOX_PORT', 'the Onpipeline sandbox'],
    ['QUEUE_PORT', 'the embedded queue'],
  ])('names %s when that port is taken, not PORT', async (variable, server) => {
    // Prepare
    const taken = await occupiedPort();
    servers.push(taken.server);

    // Act
    const result = await npmStart({
      [variable]: String(taken.port),
      LEADGATE_DATA_DIR: join(workspace.root, `clash-${variable}`),
      SOURCES_DIR: workspace.sourcesDir,
    });

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`port ${taken.port} (${server}) is already in use`);
    expect(result.stderr).toContain(`Set ${variable} to use another port.`);
    expect(result.stderr).not.toContain('Set PORT');
  });

  it('writes the queue URLs of the current QUEUE_PORT to runtime.json after a start on another port', async () => {
    // Prepare: a first start creates the queues (their URLs are kept on disk)
    const first = await startTestRuntime(workspace, { deliver: false });
    const firstPort = new URL(first.queueEndpoint).port;
    await first.stop();

    // Act
    runtime = await startTestRuntime(workspace);
    const state = JSON.parse(readFileSync(join(workspace.dataDir, 'runtime.json'), 'utf8'));

    // Assess
    const port = new URL(runtime.queueEndpoint).port;
    expect(port).not.toBe(firstPort);
    expect(new URL(state.leadsUrl).port).toBe(port);
    expect(new URL(state.deadLetterUrl).port).toBe(port);
    expect(runtime.queueUrls.leadsUrl).toBe(state.leadsUrl);
  });

  it('prints times one way (UTC), singulars, and the activity as sparklines (numbers with --json)', async () => {
    // Prepare: one lead delivered, one parked in the DLQ
    runtime ??= await startTestRuntime(workspace);
    const started = runtime;
    const post = (sourceId: string, body: Record<string, string>) =>
      fetch(`${started.gatewayUrl}/v1/forms/${sourceId}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          origin: started.gatewayUrl,
        },
        body: JSON.stringify(body),
      });
    expect((await post('demo-contact', { first_name: 'Nora', last_name: 'Newcomer' })).status).toBe(202);
    expect((await post('spring-offer', { first_name: 'Pia', last_name: 'Parked', note: 'x' })).status).toBe(
      202,
    );
    await eventually(
      async () => JSON.parse((await leadgate(['dlq', 'list', '--json'])).out).count === 1,
      20_000,
      'the refused lead in the DLQ',
    );
    await eventually(
      async () => (await sandboxLeads(started)).length === 1,
      20_000,
      'the good lead delivered',
    );

    // Act
    const status = await leadgate(['status']);
    const json = JSON.parse((await leadgate(['status', '--json'])).out);
    const list = await leadgate(['dlq', 'list']);

    // Assess: one time format, UTC, in both commands
    const statusTimes = status.out.split('\n').filter((line) => /demo-contact|spring-offer/.test(line));
    expect(
      statusTimes.filter((line) => line.includes('delivered 201')).every((line) => UTC_TIME.test(line)),
    ).toBe(true);
    expect(status.out).not.toMatch(/\d{2}:\d{2}:\d{2}Z|T\d{2}:\d{2}/);
    const row = list.out.split('\n').find((line) => line.includes('spring-offer'));
    expect(row).toMatch(UTC_TIME);
    expect(list.out).not.toMatch(/T\d{2}:\d{2}:\d{2}/);

    // Assess: singular and plural
    expect(status.out).toContain('dead letters  1 lead parked');
    expect(status.out).toContain('leads queue   0 leads waiting');
    expect(list.out).toContain('1 parked lead.');
    expect(status.out + list.out).not.toContain('(s)');

    // Assess: the activity, as sparklines in text and as numbers in JSON
    expect(status.out).toMatch(/Last 60 minutes, one character a minute/);
    expect(status.out).toMatch(/leads demo-contact\s+1\s+█/);
    expect(status.out).toMatch(/leads spring-offer\s+1\s+█/);
    expect(status.out).toMatch(/delivered\s+1\s+█/);
    expect(status.out).toMatch(/dead-lettered\s+1\s+█/);
    expect(status.out).toMatch(/latency p95\s+\d+(\.\d)? (ms|s)\s+[▁▂▃▄▅▆▇█]/);
    expect(json.activity.bucketSeconds).toBe(60);
    expect(json.activity.leads.bySource['demo-contact'].reduce((a: number, b: number) => a + b, 0)).toBe(1);
    expect(json.activity.outcomes.deadLettered.reduce((a: number, b: number) => a + b, 0)).toBe(1);
    expect(json.activity.latencyMs.p50.filter((value: number | null) => value !== null)).toHaveLength(1);
    expect(status.out + JSON.stringify(json)).not.toMatch(/Nora|Newcomer|Pia|Parked/);
  });
});
