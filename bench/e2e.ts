/**
 * One machine, end to end: a load generator against the real one-machine runtime (`node local/start.ts`
 * in its own process, as `npm start` runs it: gateway + embedded fauxqs queue + poller + deliver +
 * Onpipeline sandbox, logs at INFO drained through a pipe), on free loopback ports and a scratch
 * state folder. Per round:
 *
 * 1. closed loop: N concurrent clients post JSON leads to `POST /v1/forms/demo-contact` as fast as
 *    they are answered (keep-alive `node:http` agent): sustained accepted (202) leads per second;
 * 2. open loop: a fixed 500 requests/s for ~10 s; accept latency measured from each request's
 *    scheduled start (no coordinated omission): p50/p99;
 * 3. delivery lag: for the open-loop leads, the sandbox's receive time minus the time the 202
 *    arrived, once every lead is in the sandbox (and how long the backlog took to drain);
 * 4. the raw `SendMessage` rate of the same embedded queue (AWS SDK client, same message size, to a
 *    queue of its own): the ceiling of capture's path.
 *
 *   npx node bench/e2e.ts
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance as nodePerformance } from 'node:perf_hooks';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  formatSummary,
  int,
  machine,
  percentile,
  report,
  requireNode24,
  type Summary,
  sleep,
  summarize,
} from './support.ts';

interface RuntimeUrls {
  gatewayUrl: string;
  sandboxUrl: string;
  queueEndpoint: string;
}

interface Sample {
  email: string;
  status: number;
  /** Milliseconds from the scheduled (open loop) or actual (closed loop) start to the full answer. */
  latencyMs: number;
  /** Epoch milliseconds when the answer arrived. */
  answeredAt: number;
}

/**
 * Starts `node local/start.ts` on free ports in a scratch folder; resolves once it wrote runtime.json.
 * With `probeFile`, the runtime preloads `bench/probe.ts` (memory and event-loop delay once a second).
 */
async function startRuntimeProcess(root: string, probeFile?: string) {
  const sourcesDir = join(root, 'sources');
  cpSync('sources', sourcesDir, { recursive: true });
  const dataDir = join(root, 'state');
  // BENCH_RUNTIME_NODE_ARGS: extra node flags for the runtime (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
  const nodeArgs = (process.env.BENCH_RUNTIME_NODE_ARGS ?? '').split(' ').filter(Boolean);
  if (probeFile) nodeArgs.push('--import', './bench/probe.ts');
  // Logs go straight to a file: a pipe the load generator drains late would block the runtime's writes.
  const logFile = join(root, 'runtime.log');
  const logFd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...nodeArgs, 'local/start.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      SANDBOX_PORT: '0',
      QUEUE_PORT: '0',
      SOURCES_DIR: sourcesDir,
      LEADGATE_DATA_DIR: dataDir,
      // The local stand-in for the API Gateway stage throttle (50 req/s) would measure the limiter,
      // not the gateway: off, so the bench finds the machine's own ceiling.
      RATE_LIMIT_RPS: '0',
      ...(probeFile ? { BENCH_PROBE_FILE: probeFile } : {}),
    },
    stdio: ['ignore', logFd, 'pipe'],
  });
  closeSync(logFd);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 10_000) stderr += chunk.toString();
  });
  const stateFile = join(dataDir, 'runtime.json');
  const deadline = Date.now() + 60_000;
  while (!existsSync(stateFile)) {
    if (child.exitCode !== null) throw new Error(`runtime exited: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`runtime did not start: ${stderr}`);
    await sleep(100);
  }
  await sleep(200); // the file is written just before startRuntime returns
  const urls = JSON.parse(readFileSync(stateFile, 'utf8')) as RuntimeUrls;
  return {
    urls,
    pid: child.pid as number,
    leadsFile: join(dataDir, 'sandbox-leads.jsonl'),
    logBytes: () => statSync(logFile).size,
    /** The runtime's WARN and ERROR log lines, counted by message (a failure shows up here). */
    problems(): Record<string, number> {
      const found: Record<string, number> = {};
      for (const line of readFileSync(logFile, 'utf8').split('\n')) {
        if (!line.includes('"level":"ERROR"') && !line.includes('"level":"WARN"')) continue;
        let key = line.slice(0, 120);
        try {
          const parsed = JSON.parse(line) as { level?: string; message?: string };
          key = `${parsed.level}: ${parsed.message}`;
        } catch {
          // not JSON: keep the start of the line
        }
        found[key] = (found[key] ?? 0) + 1;
      }
      return found;
    },
    /** Throws when the runtime has died (its stderr says why). */
    checkAlive() {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the runtime exited (${child.exitCode ?? child.signalCode}): ${stderr.slice(-3000)}`);
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function leadBody(email: string): string {
  return JSON.stringify({
    first_name: 'Ana María',
    last_name: 'Ruiz García',
    email,
    phone: '+34 600 123 456',
    company: 'Acme S.L.',
    city: 'Madrid',
    country: 'es',
    interests: ['Pricing', 'Demo'],
    message: 'Hello, we would like a demo of your product for 40 users. Please call me in the morning.',
    _gotcha: '',
  });
}

/** Why requests got no answer (status 0), by error code: printed with the results. */
export const noAnswer = new Map<string, number>();
let phase = 'closed';
const noted = (error: NodeJS.ErrnoException) => {
  const key = `${phase}: ${error.code ?? ''} ${error.message}`.trim();
  noAnswer.set(key, (noAnswer.get(key) ?? 0) + 1);
};

/** Posts one lead; resolves with its status once the whole answer has arrived. */
function post(agent: http.Agent, gateway: URL, email: string, localAddress?: string): Promise<number> {
  const body = leadBody(email);
  return new Promise((resolve) => {
    const request = http.request(
      {
        agent,
        host: gateway.hostname,
        port: gateway.port,
        method: 'POST',
        path: '/v1/forms/demo-contact',
        headers: {
          origin: gateway.origin,
          accept: 'application/json',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
        timeout: 30_000,
        ...(localAddress ? { localAddress } : {}),
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', (error) => {
          noted(error);
          resolve(0);
        });
      },
    );
    request.on('error', (error) => {
      noted(error);
      resolve(0);
    });
    request.on('timeout', () => request.destroy());
    request.end(body);
  });
}

async function closedLoop(gateway: URL, tag: string, concurrency: number, seconds: number) {
  phase = 'closed loop';
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const samples: Sample[] = [];
  let counter = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const email = `closed-${tag}-${counter++}@example.com`;
        const sent = performance.now();
        const status = await post(agent, gateway, email);
        const now = performance.now();
        samples.push({ email, status, latencyMs: now - sent, answeredAt: Date.now() });
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  const accepted = samples.filter((sample) => sample.status === 202);
  const latencies = accepted.map((sample) => sample.latencyMs).sort((a, b) => a - b);
  return {
    samples,
    acceptedPerSecond: accepted.length / elapsed,
    errors: samples.length - accepted.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function openLoop(gateway: URL, tag: string, rate: number, seconds: number) {
  phase = 'open loop';
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const samples: Sample[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now() + 20;
  let index = 0;
  // Fires every request whose scheduled time has come, then yields for about a millisecond, so the
  // generator never spins and always reads its answers; latency counts from the scheduled time.
  while (index < total) {
    const now = performance.now();
    while (index < total && start + index * interval <= now) {
      const scheduled = start + index * interval;
      const email = `open-${tag}-${index++}@example.com`;
      pending.push(
        post(agent, gateway, email).then((status) => {
          samples.push({ email, status, latencyMs: performance.now() - scheduled, answeredAt: Date.now() });
        }),
      );
    }
    await sleep(1);
  }
  const sentIn = (performance.now() - start) / 1000;
  await Promise.all(pending);
  agent.destroy();
  const accepted = samples.filter((sample) => sample.status === 202);
  const latencies = accepted.map((sample) => sample.latencyMs).sort((a, b) => a - b);
  return {
    samples,
    offeredPerSecond: total / sentIn,
    errors: samples.length - accepted.length,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
  };
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  return (await response.json()) as T;
}

/** Waits until the sandbox holds `count` leads; returns the milliseconds it took (bounded). */
async function waitDelivered(sandboxUrl: string, count: number, timeoutMs = 180_000): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    const stats = await getJson<{ byEndpoint: Record<string, number> }>(`${sandboxUrl}/_sandbox/stats`);
    if ((stats.byEndpoint['/Leadsin'] ?? 0) >= count) return performance.now() - start;
    await sleep(50);
  }
  throw new Error(`the sandbox did not receive ${count} leads within ${timeoutMs} ms`);
}

/**
 * Lag from each lead's 202 to its arrival in the sandbox (ms), for the samples given. Read from the
 * sandbox's data file, which holds every lead (its memory and `GET /_sandbox/leads` only the newest).
 */
async function deliveryLags(leadsFile: string, samples: Sample[]): Promise<number[]> {
  const leads = readFileSync(leadsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { receivedAt: string; body: { Email?: { Address: string }[] } });
  const arrived = new Map<string, number>();
  for (const lead of leads) {
    const address = lead.body.Email?.[0]?.Address;
    if (address) arrived.set(address, Date.parse(lead.receivedAt));
  }
  const lags: number[] = [];
  for (const sample of samples) {
    const at = arrived.get(sample.email.toLowerCase());
    if (sample.status === 202 && at !== undefined) lags.push(at - sample.answeredAt);
  }
  return lags.sort((a, b) => a - b);
}

/** The embedded queue's raw SendMessage rate: concurrency clients, same body size, own queue. */
async function rawSendRate(endpoint: string, concurrency: number, seconds: number) {
  const sqs = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: `bench-raw-${concurrency}` }));
    const queueUrl = created.QueueUrl as string;
    const body = JSON.stringify({ v: 1, id: '01JBENCH', fields: JSON.parse(leadBody('raw@example.com')) });
    const send = () =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body.padEnd(1200, ' '),
          MessageAttributes: {
            source: { DataType: 'String', StringValue: 'demo-contact' },
            channel: { DataType: 'String', StringValue: 'form' },
          },
        }),
      );
    for (let index = 0; index < 50; index++) await send(); // warm-up and connection
    const latencies: number[] = [];
    let sent = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const began = performance.now();
          await send();
          latencies.push(performance.now() - began);
          sent++;
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    return {
      perSecond: sent / ((performance.now() - start) / 1000),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  } finally {
    sqs.destroy();
  }
}

export interface E2eOptions {
  rounds?: number;
  concurrency?: number;
  closedSeconds?: number;
  openRate?: number;
  openSeconds?: number;
}

export async function runE2eBench(options: E2eOptions = {}) {
  const rounds = options.rounds ?? 5;
  const concurrency = options.concurrency ?? 32;
  const closedSeconds = options.closedSeconds ?? 5;
  const openRate = options.openRate ?? 500;
  const openSeconds = options.openSeconds ?? 10;
  const root = mkdtempSync(join(tmpdir(), 'leadgate-bench-e2e-'));
  const runtime = await startRuntimeProcess(root);
  try {
    const gateway = new URL(runtime.urls.gatewayUrl);
    const sandboxUrl = runtime.urls.sandboxUrl;
    // Warm-up: JIT, connections, the first ListCustomFields call of deliver.
    await closedLoop(gateway, 'warm', 8, 2);
    let delivered =
      (await getJson<{ byEndpoint: Record<string, number> }>(`${sandboxUrl}/_sandbox/stats`)).byEndpoint[
        '/Leadsin'
      ] ?? 0;
    const warmAccepted = await getJson<unknown[]>(`${sandboxUrl}/_sandbox/leads`);
    void warmAccepted;
    const perRound: {
      closed: { acceptedPerSecond: number; p50: number; p99: number; errors: number };
      closedDrain: { ms: number; leadsPerSecond: number };
      open: { offeredPerSecond: number; p50: number; p90: number; p99: number; max: number; errors: number };
      lag: { p50: number; p99: number; max: number; count: number };
      openDrainMs: number;
      raw: { perSecond: number; p50: number; p99: number };
      rawSequential: { perSecond: number; p50: number; p99: number };
    }[] = [];
    // Let the warm-up leads drain before measuring.
    const warmTotal = await waitForQuiet(sandboxUrl);
    delivered = warmTotal;
    const statuses: Record<string, number> = {};
    const countStatuses = (samples: Sample[]) => {
      for (const sample of samples) statuses[sample.status] = (statuses[sample.status] ?? 0) + 1;
    };
    for (let round = 0; round < rounds; round++) {
      runtime.checkAlive();
      await fetch(`${sandboxUrl}/_sandbox/leads`, { method: 'DELETE' });
      const closed = await closedLoop(gateway, `r${round}`, concurrency, closedSeconds);
      countStatuses(closed.samples);
      runtime.checkAlive();
      const closedAccepted = closed.samples.filter((sample) => sample.status === 202).length;
      const loadEnded = performance.now();
      const drainMs = await waitDelivered(sandboxUrl, delivered + closedAccepted);
      const closedDrainWindow = (performance.now() - loadEnded + closedSeconds * 1000) / 1000;
      delivered += closedAccepted;

      await fetch(`${sandboxUrl}/_sandbox/leads`, { method: 'DELETE' });
      const open = await openLoop(gateway, `r${round}`, openRate, openSeconds);
      countStatuses(open.samples);
      runtime.checkAlive();
      const openAccepted = open.samples.filter((sample) => sample.status === 202).length;
      const openEnded = performance.now();
      await waitDelivered(sandboxUrl, delivered + openAccepted);
      const openDrainMs = performance.now() - openEnded;
      delivered += openAccepted;
      const lags = await deliveryLags(runtime.leadsFile, open.samples);

      const raw = await rawSendRate(runtime.urls.queueEndpoint, concurrency, 3);
      const rawSequential = await rawSendRate(runtime.urls.queueEndpoint, 1, 2);
      perRound.push({
        closed: {
          acceptedPerSecond: closed.acceptedPerSecond,
          p50: closed.p50,
          p99: closed.p99,
          errors: closed.errors,
        },
        closedDrain: { ms: drainMs, leadsPerSecond: closedAccepted / closedDrainWindow },
        open: {
          offeredPerSecond: open.offeredPerSecond,
          p50: open.p50,
          p90: open.p90,
          p99: open.p99,
          max: open.max,
          errors: open.errors,
        },
        lag: {
          p50: percentile(lags, 50),
          p99: percentile(lags, 99),
          max: lags.at(-1) ?? Number.NaN,
          count: lags.length,
        },
        openDrainMs,
        raw,
        rawSequential,
      });
    }
    const pick = (get: (round: (typeof perRound)[number]) => number): Summary => summarize(perRound.map(get));
    return {
      goals: { acceptedPerSecond: 1000, p99Ms: 25, atRate: openRate },
      rounds,
      concurrency,
      closedSeconds,
      openRate,
      openSeconds,
      acceptedPerSecond: pick((r) => r.closed.acceptedPerSecond),
      closedP50Ms: pick((r) => r.closed.p50),
      closedP99Ms: pick((r) => r.closed.p99),
      deliveredPerSecondUnderLoad: pick((r) => r.closedDrain.leadsPerSecond),
      closedBacklogDrainMs: pick((r) => r.closedDrain.ms),
      openP50Ms: pick((r) => r.open.p50),
      openP90Ms: pick((r) => r.open.p90),
      openP99Ms: pick((r) => r.open.p99),
      openMaxMs: pick((r) => r.open.max),
      offeredPerSecond: pick((r) => r.open.offeredPerSecond),
      lagP50Ms: pick((r) => r.lag.p50),
      lagP99Ms: pick((r) => r.lag.p99),
      lagMaxMs: pick((r) => r.lag.max),
      openDrainMs: pick((r) => r.openDrainMs),
      rawSendPerSecond: pick((r) => r.raw.perSecond),
      rawSendP50Ms: pick((r) => r.raw.p50),
      rawSequentialSendPerSecond: pick((r) => r.rawSequential.perSecond),
      rawSequentialSendP50Ms: pick((r) => r.rawSequential.p50),
      errors: perRound.reduce((sum, r) => sum + r.closed.errors + r.open.errors, 0),
      /** Answers by HTTP status (0: no answer). */
      statuses,
      /** Why requests got no answer, by error code. */
      noAnswer: Object.fromEntries(noAnswer),
      runtimeLogBytes: runtime.logBytes(),
      runtimeProblems: runtime.problems(),
      leadsSent: delivered,
      perRound,
    };
  } finally {
    await runtime.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/** Waits until the sandbox count stops moving (the warm-up drained); returns the count. */
async function waitForQuiet(sandboxUrl: string): Promise<number> {
  let last = -1;
  for (let attempt = 0; attempt < 600; attempt++) {
    const stats = await getJson<{ byEndpoint: Record<string, number> }>(`${sandboxUrl}/_sandbox/stats`);
    const now = stats.byEndpoint['/Leadsin'] ?? 0;
    if (now === last) return now;
    last = now;
    await sleep(1000);
  }
  return last;
}

export interface SoakOptions {
  /** Client addresses (127.1.x.y, each its own keep-alive sockets); default 250, at most 1,000. */
  clients?: number;
  /** Requests per second over all clients (open loop); default 500. */
  rate?: number;
  /** Length of the soak; default 60 s, at most 600. */
  seconds?: number;
}

/** The `index`-th client's loopback address: 127.1.0.1, 127.1.0.2, ... (all of 127.0.0.0/8 is loopback). */
function clientAddress(index: number): string {
  return `127.1.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

interface ProbeLine {
  at: number;
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  workerHeapUsedMiB?: number[];
  loopP99Ms: number;
  loopMaxMs: number;
  loopUtilization: number;
  mainCpuMs?: number;
  processCpuMs?: number;
}

/** GC pauses from `--trace-gc` lines in the runtime's log (when BENCH_RUNTIME_NODE_ARGS asks for them). */
function gcPauses(logText: string) {
  const byKind: Record<string, { count: number; totalMs: number; maxMs: number }> = {};
  const line =
    /ms: ([A-Za-z][A-Za-z -]*?) [\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB, .*?([\d.]+) \/ [\d.]+ ms/;
  for (const text of logText.split('\n')) {
    const match = line.exec(text);
    if (!match) continue;
    const kind = (match[1] as string).trim();
    const pause = Number(match[2]);
    const entry = byKind[kind] ?? { count: 0, totalMs: 0, maxMs: 0 };
    byKind[kind] = entry;
    entry.count++;
    entry.totalMs = Number((entry.totalMs + pause).toFixed(1));
    entry.maxMs = Math.max(entry.maxMs, pause);
  }
  return byKind;
}

/**
 * The soak: `clients` client addresses post leads at `rate` requests/s in all (each client an equal
 * share, keep-alive), open loop for `seconds`, against a fresh runtime with the probe loaded. Latency
 * counts from each request's scheduled time (no coordinated omission); the load generator shares the
 * machine, so its own stalls count too. Then waits until every accepted lead is in the sandbox.
 */
export async function runSoak(options: SoakOptions = {}) {
  const clients = Math.min(1000, Math.max(1, options.clients ?? 250));
  const rate = Math.min(2000, Math.max(1, options.rate ?? 500));
  const seconds = Math.min(600, Math.max(1, options.seconds ?? 60));
  const root = mkdtempSync(join(tmpdir(), 'leadgate-bench-soak-'));
  const probeFile = join(root, 'probe.jsonl');
  const runtime = await startRuntimeProcess(root, probeFile);
  try {
    const gateway = new URL(runtime.urls.gatewayUrl);
    const sandboxUrl = runtime.urls.sandboxUrl;
    await closedLoop(gateway, 'warm', 8, 2);
    const warmDelivered = await waitForQuiet(sandboxUrl);
    await fetch(`${sandboxUrl}/_sandbox/leads`, { method: 'DELETE' });
    phase = 'soak';
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const total = Math.round(rate * seconds);
    const interval = 1000 / rate;
    const samples: (Sample & { scheduledS: number; sendLagMs: number })[] = [];
    const pending: Promise<void>[] = [];
    // The generator's own loop: when it falls behind, requests leave late (send lag), which counts.
    const generatorLoop = monitorEventLoopDelay({ resolution: 5 });
    generatorLoop.enable();
    const generatorUse = nodePerformance.eventLoopUtilization();
    const startedAt = Date.now() + 20;
    const start = performance.now() + 20;
    let index = 0;
    while (index < total) {
      const now = performance.now();
      while (index < total && start + index * interval <= now) {
        const scheduled = start + index * interval;
        const client = index % clients;
        const email = `soak-${index++}@example.com`;
        const sendLagMs = now - scheduled;
        pending.push(
          post(agent, gateway, email, clientAddress(client)).then((status) => {
            samples.push({
              email,
              status,
              latencyMs: performance.now() - scheduled,
              answeredAt: Date.now(),
              scheduledS: (scheduled - start) / 1000,
              sendLagMs,
            });
          }),
        );
      }
      await sleep(1);
    }
    const sentIn = (performance.now() - start) / 1000;
    await Promise.all(pending);
    const endedAt = Date.now();
    generatorLoop.disable();
    const generator = {
      loopMaxMs: generatorLoop.max / 1e6,
      loopP99Ms: generatorLoop.percentile(99) / 1e6,
      utilization: nodePerformance.eventLoopUtilization(generatorUse).utilization,
      sendLagP99Ms: percentile(
        samples.map((sample) => sample.sendLagMs).sort((a, b) => a - b),
        99,
      ),
    };
    agent.destroy();
    runtime.checkAlive();
    const accepted = samples.filter((sample) => sample.status === 202);
    const latencies = accepted.map((sample) => sample.latencyMs).sort((a, b) => a - b);
    const windows: { fromS: number; p99Ms: number; maxMs: number }[] = [];
    for (let from = 0; from < seconds; from += 10) {
      const inWindow = accepted
        .filter((sample) => sample.scheduledS >= from && sample.scheduledS < from + 10)
        .map((sample) => sample.latencyMs)
        .sort((a, b) => a - b);
      windows.push({ fromS: from, p99Ms: percentile(inWindow, 99), maxMs: inWindow.at(-1) ?? Number.NaN });
    }
    const drainStarted = performance.now();
    await waitDelivered(sandboxUrl, warmDelivered + accepted.length, 600_000);
    const drainMs = performance.now() - drainStarted;
    const lags = await deliveryLags(runtime.leadsFile, samples);
    await sleep(1500); // one more probe line after the drain
    const probe = readFileSync(probeFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ProbeLine);
    const during = probe.filter((line) => line.at >= startedAt && line.at <= endedAt + 1000);
    const workersHeap = (line: ProbeLine) =>
      Number((line.workerHeapUsedMiB ?? []).reduce((sum, value) => sum + value, 0).toFixed(1));
    const memoryAt = (line: ProbeLine | undefined) =>
      line
        ? {
            rssMiB: line.rssMiB,
            heapUsedMiB: line.heapUsedMiB,
            workersHeapUsedMiB: workersHeap(line),
            byWorkerMiB: line.workerHeapUsedMiB ?? [],
          }
        : undefined;
    const statuses: Record<string, number> = {};
    for (const sample of samples) statuses[sample.status] = (statuses[sample.status] ?? 0) + 1;
    return {
      clients,
      rate,
      seconds,
      offeredPerSecond: total / sentIn,
      requests: samples.length,
      accepted: accepted.length,
      statuses,
      noAnswer: Object.fromEntries(noAnswer),
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
      p999Ms: percentile(latencies, 99.9),
      maxMs: latencies.at(-1) ?? Number.NaN,
      /** p99 and max per 10 s of scheduled time: a transient at the start or periodic stalls. */
      windows,
      /** The load generator's own loop (it shares the machine): late sends count in the latency. */
      generator,
      lagP50Ms: percentile(lags, 50),
      lagP99Ms: percentile(lags, 99),
      drainMs,
      /** CPU time per accepted lead during the soak (the probe's seconds), µs: main thread, whole process. */
      cpuPerLead: {
        mainMicros: (during.reduce((sum, line) => sum + (line.mainCpuMs ?? 0), 0) * 1000) / accepted.length,
        processMicros:
          (during.reduce((sum, line) => sum + (line.processCpuMs ?? 0), 0) * 1000) / accepted.length,
        /** The whole process from the soak's start until every lead was delivered. */
        processWithDrainMicros:
          (probe
            .filter((line) => line.at >= startedAt)
            .reduce((sum, line) => sum + (line.processCpuMs ?? 0), 0) *
            1000) /
          accepted.length,
      },
      /** The runtime's main thread, once a second during the soak (bench/probe.ts). */
      loop: {
        secondsOver25Ms: during.filter((line) => line.loopMaxMs > 25).length,
        worstMaxMs: Math.max(...during.map((line) => line.loopMaxMs)),
        medianP99Ms: summarize(during.map((line) => line.loopP99Ms)).median,
        medianUtilization: summarize(during.map((line) => line.loopUtilization)).median,
      },
      memory: {
        before: memoryAt(during[0]),
        after: memoryAt(during.at(-1)),
        afterDrain: memoryAt(probe.at(-1)),
        maxRssMiB: Math.max(...during.map((line) => line.rssMiB)),
        /** Every 10 s: RSS, the main thread's heap used, the worker threads' heap used (MiB). */
        timeline: during
          .filter((_, position) => position % 10 === 0)
          .map((line) => [
            Math.round((line.at - startedAt) / 1000),
            line.rssMiB,
            line.heapUsedMiB,
            workersHeap(line),
          ]),
      },
      gc: gcPauses(readFileSync(join(root, 'runtime.log'), 'utf8')),
      runtimeProblems: runtime.problems(),
    };
  } finally {
    await runtime.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

export function printSoak(result: Awaited<ReturnType<typeof runSoak>>): void {
  const f = (value: number, digits = 1) => value.toFixed(digits);
  console.log(
    `soak: ${result.clients} client addresses, open loop ${result.rate} req/s (offered ${f(result.offeredPerSecond, 0)}/s) × ${result.seconds} s`,
  );
  console.log(
    `  accepted ${int(result.accepted)} of ${int(result.requests)} ${JSON.stringify(result.statuses)}${Object.keys(result.noAnswer).length > 0 ? ` no answer: ${JSON.stringify(result.noAnswer)}` : ''}`,
  );
  console.log(
    `  latency p50 ${f(result.p50Ms)} ms, p95 ${f(result.p95Ms)}, p99 ${f(result.p99Ms)}, p99.9 ${f(result.p999Ms)}, max ${f(result.maxMs)}`,
  );
  console.log(
    `  p99 / max per 10 s: ${result.windows.map((window) => `${f(window.p99Ms, 0)}/${f(window.maxMs, 0)}`).join('  ')}`,
  );
  console.log(
    `  load generator: loop delay p99 ${f(result.generator.loopP99Ms)} ms, max ${f(result.generator.loopMaxMs)} ms, utilisation ${f(result.generator.utilization * 100, 0)} %, send lag p99 ${f(result.generator.sendLagP99Ms)} ms`,
  );
  console.log(
    `  delivery lag p50 ${f(result.lagP50Ms, 0)} ms, p99 ${f(result.lagP99Ms, 0)} ms; last lead ${f(result.drainMs, 0)} ms after the load`,
  );
  console.log(
    `  runtime main loop: delay p99 ${f(result.loop.medianP99Ms)} ms (median second), worst ${f(result.loop.worstMaxMs)} ms, ${result.loop.secondsOver25Ms} s with a stall > 25 ms; utilisation ${f(result.loop.medianUtilization * 100, 0)} %`,
  );
  console.log(
    `  CPU per accepted lead during the soak: main thread ${f(result.cpuPerLead.mainMicros, 0)} µs, whole runtime ${f(result.cpuPerLead.processMicros, 0)} µs; until delivered ${f(result.cpuPerLead.processWithDrainMicros, 0)} µs`,
  );
  console.log(
    `  memory (s, RSS, main heap, workers' heap; MiB): ${result.memory.timeline.map((point) => point.join('/')).join('  ')}; after drain ${JSON.stringify(result.memory.afterDrain)}`,
  );
  if (Object.keys(result.gc).length > 0) console.log(`  GC (--trace-gc): ${JSON.stringify(result.gc)}`);
  console.log(
    `  runtime WARN/ERROR lines: ${Object.keys(result.runtimeProblems).length > 0 ? JSON.stringify(result.runtimeProblems) : 'none'}`,
  );
}

export function printE2e(result: Awaited<ReturnType<typeof runE2eBench>>): void {
  const f = (summary: Summary, digits = 1) => formatSummary(summary, digits);
  console.log(`one machine, end to end (median of ${result.rounds} rounds; runtime in its own process):`);
  console.log(
    `  closed loop, ${result.concurrency} clients × ${result.closedSeconds} s: accepted leads/s ${f(result.acceptedPerSecond, 0)}; latency p50 ${f(result.closedP50Ms)} ms, p99 ${f(result.closedP99Ms)} ms`,
  );
  console.log(
    `    delivered to the sandbox meanwhile and after: ${f(result.deliveredPerSecondUnderLoad, 0)} leads/s (backlog drained ${f(result.closedBacklogDrainMs, 0)} ms after the load)`,
  );
  console.log(
    `  open loop ${result.openRate} req/s × ${result.openSeconds} s (offered ${f(result.offeredPerSecond, 0)}/s): p50 ${f(result.openP50Ms)} ms, p90 ${f(result.openP90Ms)} ms, p99 ${f(result.openP99Ms)} ms, max ${f(result.openMaxMs)} ms`,
  );
  console.log(
    `    delivery lag 202 → sandbox: p50 ${f(result.lagP50Ms, 0)} ms, p99 ${f(result.lagP99Ms, 0)} ms, max ${f(result.lagMaxMs, 0)} ms; last lead in ${f(result.openDrainMs, 0)} ms after the load`,
  );
  console.log(
    `  embedded queue raw SendMessage: ${f(result.rawSendPerSecond, 0)} msg/s at ${result.concurrency} clients (p50 ${f(result.rawSendP50Ms)} ms); one client: ${f(result.rawSequentialSendPerSecond, 0)} msg/s (p50 ${f(result.rawSequentialSendP50Ms, 2)} ms)`,
  );
  console.log(
    `  errors (non-202): ${result.errors}${result.noAnswer && Object.keys(result.noAnswer).length > 0 ? ` (no answer: ${JSON.stringify(result.noAnswer)})` : ''}; leads sent ${int(result.leadsSent)}; runtime log bytes ${int(result.runtimeLogBytes)}`,
    `\n  runtime WARN/ERROR lines: ${Object.keys(result.runtimeProblems ?? {}).length > 0 ? JSON.stringify(result.runtimeProblems) : 'none'}`,
  );
}

const argument = (name: string) =>
  Number(
    new RegExp(`^--${name}=(\\d+)$`).exec(
      process.argv.find((arg) => arg.startsWith(`--${name}=`)) ?? '',
    )?.[1],
  );

if (import.meta.main && process.argv.includes('--soak')) {
  // npx node bench/e2e.ts --soak [--rounds=2] [--clients=250] [--rate=500] [--seconds=60]
  requireNode24();
  const runs = argument('rounds') > 0 ? argument('rounds') : 1;
  const soaks: Awaited<ReturnType<typeof runSoak>>[] = [];
  for (let run = 0; run < runs; run++) {
    noAnswer.clear();
    const result = await runSoak({
      ...(argument('clients') > 0 ? { clients: argument('clients') } : {}),
      ...(argument('rate') > 0 ? { rate: argument('rate') } : {}),
      ...(argument('seconds') > 0 ? { seconds: argument('seconds') } : {}),
    });
    printSoak(result);
    soaks.push(result);
  }
  const pick = (get: (soak: (typeof soaks)[number]) => number) => summarize(soaks.map(get));
  const summary = {
    runs,
    p50Ms: pick((soak) => soak.p50Ms),
    p99Ms: pick((soak) => soak.p99Ms),
    maxMs: pick((soak) => soak.maxMs),
    acceptedShare: pick((soak) => soak.accepted / soak.requests),
  };
  report('e2e-soak', { machine: machine(), summary, soaks });
  console.log(
    `soak over ${runs} run(s): p99 ${formatSummary(summary.p99Ms)} ms, p50 ${formatSummary(summary.p50Ms)} ms, max ${formatSummary(summary.maxMs, 0)} ms, accepted share ${formatSummary(summary.acceptedShare, 4)}`,
  );
} else if (import.meta.main) {
  requireNode24();
  const quick = process.argv.includes('--quick');
  const rounds = Number(
    /^--rounds=(\d+)$/.exec(process.argv.find((arg) => arg.startsWith('--rounds=')) ?? '')?.[1],
  );
  const options: E2eOptions = quick ? { rounds: 1, closedSeconds: 3, openSeconds: 5 } : {};
  if (rounds > 0) options.rounds = rounds;
  const result = report('e2e', { machine: machine(), ...(await runE2eBench(options)) });
  printE2e(result);
}
