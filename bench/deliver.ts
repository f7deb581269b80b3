/**
 * Deliver throughput of one worker: the real deliver handler (`createDeliverHandler`: middy, Powertools
 * batch processor with partial batch responses, mapping with the current config, idempotent send)
 * called with pre-built `SQSEvent` batches of 10 records, one batch after the other as one Lambda
 * instance (or the local poller) takes them, against a real Onpipeline sandbox running in its own
 * process (keep-alive connections through Node's fetch). Variants:
 *
 * - with the local idempotency store (SQLite, what the one-machine runtime uses);
 * - without an idempotency store (the send path alone; on AWS the store is DynamoDB, not measured here);
 * - with every Onpipeline answer delayed 300 ms (a realistic round trip), to see that the leads of
 *   a batch are sent in parallel and what one batch costs in Lambda duration.
 *
 *   npx node bench/deliver.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import {
  append,
  formatSummary,
  machine,
  report,
  requireNode24,
  type Summary,
  sleep,
  summarize,
} from './support.ts';

// Before the handler modules load: Powertools reads these once.
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const { createDeliverHandler } = await import('#functions/deliver.ts');
const { lambdaContext, toRecord } = await import('#local/poller.ts');
const { SANDBOX_TOKEN } = await import('#local/sandbox/server.ts');
const { webhookRouters } = await import('#shared/channels/index.ts');
const { newEnvelope } = await import('#shared/channels/common/enqueue.ts');
const { SqlitePersistenceLayer } = await import('#shared/idempotency/sqlite-persistence.ts');
const { createOnpipelineClient } = await import('#shared/onpipeline/client.ts');
const { customFieldNames } = await import('#shared/onpipeline/custom-fields.ts');
const { sourceRegistry } = await import('#shared/sources/registry.ts');

const BATCH = 10;

/** Starts `node local/sandbox/server.ts` on a free port, in memory; resolves with its URL. */
async function startSandboxProcess() {
  const child = spawn(process.execPath, ['local/sandbox/server.ts'], {
    env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_DATA_FILE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`sandbox did not start: ${text}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', () => reject(new Error(`sandbox exited: ${text}`)));
  });
  return {
    url,
    async stop() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `count` envelopes of the demo form, as capture queues them, in SQS batches of 10. */
function batches(count: number, tag: string): SQSEvent[] {
  const events: SQSEvent[] = [];
  for (let start = 0; start < count; start += BATCH) {
    const records = [];
    for (let index = start; index < Math.min(count, start + BATCH); index++) {
      const receivedAt = new Date().toISOString();
      const envelope = newEnvelope({
        sourceId: 'demo-contact',
        channel: 'form',
        receivedAt,
        fields: {
          first_name: 'Ana María',
          last_name: 'Ruiz  García',
          email: `deliver-${tag}-${index}@example.com`,
          phone: '+34 600 123 456',
          company: 'Acme S.L.',
          city: 'Madrid',
          country: 'es',
          interests: ['Pricing', 'Demo'],
          message: 'Hello, we would like a demo of your product for 40 users. Please call me in the morning.',
        },
        context: {
          source: 'demo-contact',
          receivedAt,
          ip: '203.0.113.9',
          'utm.campaign': 'spring-2026',
          'utm.source': 'google',
        },
      });
      records.push(
        toRecord(
          {
            MessageId: envelope.id,
            ReceiptHandle: `rh-${envelope.id}`,
            Body: JSON.stringify(envelope),
            Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
            MessageAttributes: {
              source: { DataType: 'String', StringValue: 'demo-contact' },
              channel: { DataType: 'String', StringValue: 'form' },
            },
          },
          'arn:aws:sqs:us-east-1:000000000000:leads',
          'us-east-1',
        ),
      );
    }
    events.push({ Records: records });
  }
  return events;
}

type Handler = ReturnType<typeof createDeliverHandler>;

/** Delivers the batches one after the other; returns leads/s, ms per batch and CPU µs per lead. */
async function drain(handler: Handler, events: SQSEvent[]) {
  let failed = 0;
  let leads = 0;
  const cpu = process.threadCpuUsage();
  const start = performance.now();
  for (const event of events) {
    const response = await handler(event, lambdaContext('leadgate-deliver', 30));
    failed += response?.batchItemFailures.length ?? 0;
    leads += event.Records.length;
  }
  const elapsed = performance.now() - start;
  const used = process.threadCpuUsage(cpu);
  if (failed > 0) throw new Error(`${failed} leads were not delivered: the benchmark setup is wrong`);
  return {
    leadsPerSecond: (leads / elapsed) * 1000,
    msPerBatch: elapsed / events.length,
    cpuMicrosPerLead: (used.user + used.system) / leads,
  };
}

interface VariantResult {
  leadsPerSecond: Summary;
  msPerBatch: Summary;
  cpuMicrosPerLead: Summary;
}

export async function runDeliverBench(options: { runs?: number; leadsPerRun?: number } = {}) {
  const runs = options.runs ?? 5;
  const leadsPerRun = options.leadsPerRun ?? 2000;
  const sandbox = await startSandboxProcess();
  const scratch = mkdtempSync(join(tmpdir(), 'leadgate-bench-deliver-'));
  try {
    const sources = sourceRegistry('sources');
    const onpipeline = createOnpipelineClient({ baseUrl: sandbox.url, token: async () => SANDBOX_TOKEN });
    const queue = { enqueue: async () => {}, deadLetter: async () => {}, delay: async () => {} };
    const idempotency = new SqlitePersistenceLayer(join(scratch, 'idempotency.sqlite'));
    const common = {
      sources,
      onpipeline,
      customFields: customFieldNames(onpipeline),
      routers: webhookRouters,
      queue,
    };
    const handlers: Record<string, Handler> = {
      'with SQLite idempotency (one machine)': createDeliverHandler(() => ({ ...common, idempotency })),
      'without idempotency store': createDeliverHandler(() => ({ ...common })),
    };
    const results: Record<string, VariantResult> = {};
    let tag = 0;
    for (const handler of Object.values(handlers)) await drain(handler, batches(500, `warm${tag++}`));
    const samples: Record<
      string,
      { leadsPerSecond: number; msPerBatch: number; cpuMicrosPerLead: number }[]
    > = {};
    for (let run = 0; run < runs; run++) {
      for (const [name, handler] of Object.entries(handlers)) {
        append(samples, name, await drain(handler, batches(leadsPerRun, `r${run}-${tag++}`)));
      }
    }
    for (const [name, list] of Object.entries(samples)) {
      results[name] = {
        leadsPerSecond: summarize(list.map((s) => s.leadsPerSecond)),
        msPerBatch: summarize(list.map((s) => s.msPerBatch)),
        cpuMicrosPerLead: summarize(list.map((s) => s.cpuMicrosPerLead)),
      };
    }

    // Onpipeline at a realistic 300 ms per answer: is a batch 10 × 300 ms or about 300 ms?
    const slowMs = 300;
    await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slow: 1, slowMs }),
    });
    const slowSamples = [];
    for (let run = 0; run < runs; run++) {
      slowSamples.push(
        await drain(handlers['with SQLite idempotency (one machine)'] as Handler, batches(100, `slow${run}`)),
      );
    }
    const slow = {
      onpipelineMs: slowMs,
      leadsPerSecond: summarize(slowSamples.map((s) => s.leadsPerSecond)),
      msPerBatch: summarize(slowSamples.map((s) => s.msPerBatch)),
    };
    idempotency.close();
    const stats = (await (await fetch(`${sandbox.url}/_sandbox/stats`)).json()) as {
      byEndpoint: Record<string, number>;
    };
    const logBytesPerLead = await measureLogVolume();
    return {
      goalLeadsPerSecond: 500,
      runs,
      leadsPerRun,
      batchSize: BATCH,
      variants: results,
      slow,
      sandboxStats: stats.byEndpoint,
      logBytesPerLead,
    };
  } finally {
    await sandbox.stop();
    rmSync(scratch, { recursive: true, force: true });
    await sleep(10);
  }
}

/**
 * Log volume of deliver as deployed (INFO + EMF metrics), bytes per lead, for full batches and for
 * batches of one. Runs in a child process (Powertools reads its settings when it loads).
 */
async function logVolumeChild(resultFile: string): Promise<void> {
  let bytes = 0;
  const originalWrite = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return (originalWrite as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  const sandbox = await startSandboxProcess();
  try {
    const onpipeline = createOnpipelineClient({ baseUrl: sandbox.url, token: async () => SANDBOX_TOKEN });
    const handler = createDeliverHandler(() => ({
      sources: sourceRegistry('sources'),
      onpipeline,
      customFields: customFieldNames(onpipeline),
      routers: webhookRouters,
      queue: { enqueue: async () => {}, deadLetter: async () => {}, delay: async () => {} },
    }));
    await drain(handler, batches(20, 'logwarm'));
    const perLead = async (events: SQSEvent[]) => {
      const before = bytes;
      const leads = events.reduce((sum, event) => sum + event.Records.length, 0);
      await drain(handler, events);
      return (bytes - before) / leads;
    };
    const full = await perLead(batches(200, 'logfull'));
    const single = await perLead(
      batches(50, 'logsingle').flatMap((event) => event.Records.map((record) => ({ Records: [record] }))),
    );
    const { writeFileSync } = await import('node:fs');
    writeFileSync(resultFile, JSON.stringify({ fullBatch: full, batchOfOne: single }));
  } finally {
    await sandbox.stop();
  }
}

async function measureLogVolume(): Promise<{ fullBatch: number; batchOfOne: number }> {
  const { runNode } = await import('./support.ts');
  const { readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const scratch = mkdtempSync(join(tmpdir(), 'leadgate-bench-deliver-logs-'));
  try {
    const file = join(scratch, 'logs.json');
    const child = await runNode([fileURLToPath(import.meta.url)], {
      env: {
        BENCH_DELIVER_LOG_CHILD: file,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_DISABLED: 'false',
        POWERTOOLS_SERVICE_NAME: 'leadgate',
        POWERTOOLS_METRICS_NAMESPACE: 'leadgate',
      },
      timeoutMs: 120_000,
    });
    if (child.code !== 0) throw new Error(`deliver log child failed: ${child.stderr.slice(0, 2000)}`);
    return JSON.parse(readFileSync(file, 'utf8')) as { fullBatch: number; batchOfOne: number };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function printDeliver(result: Awaited<ReturnType<typeof runDeliverBench>>): void {
  console.log(
    `deliver, one worker, batches of ${result.batchSize} one after the other (median of ${result.runs} runs × ${result.leadsPerRun} leads):`,
  );
  for (const [name, variant] of Object.entries(result.variants)) {
    console.log(
      `  ${name}: ${formatSummary(variant.leadsPerSecond, 0)} leads/s, ${formatSummary(variant.msPerBatch)} ms/batch, CPU ${formatSummary(variant.cpuMicrosPerLead, 0)} µs/lead`,
    );
  }
  console.log(
    `  Onpipeline answering in ${result.slow.onpipelineMs} ms: ${formatSummary(result.slow.msPerBatch)} ms/batch, ${formatSummary(result.slow.leadsPerSecond)} leads/s`,
  );
  console.log(
    `  logs as deployed (INFO + metrics): ${result.logBytesPerLead.fullBatch.toFixed(0)} B/lead in full batches, ${result.logBytesPerLead.batchOfOne.toFixed(0)} B/lead in batches of one`,
  );
}

if (import.meta.main && process.env.BENCH_DELIVER_LOG_CHILD) {
  await logVolumeChild(process.env.BENCH_DELIVER_LOG_CHILD);
} else if (import.meta.main) {
  requireNode24();
  const result = report('deliver', { machine: machine(), ...(await runDeliverBench()) });
  printDeliver(result);
}
