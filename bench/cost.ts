/**
 * Variable AWS cost per million leads, from the measured durations of the other benchmarks and the
 * functions' configured memory, with the list prices of docs/operations.md (us-east-1, as noted there
 * on 2026-11-28; not re-verified online here). Two traffic shapes:
 *
 * - busy: the deliver trigger gets full batches of 10 leads;
 * - quiet: every deliver invocation carries one lead (low traffic), the worst case.
 *
 * Measured here: capture's CPU per event as deployed (log INFO + metrics), deliver's CPU per lead and
 * its per-batch overhead around a slow Onpipeline, log bytes per lead of both functions, the envelope
 * and Leadsin body sizes. Assumed (AWS round trips cannot be measured on one machine, see `assumptions`):
 * SQS SendMessage and DynamoDB latencies from Lambda, Onpipeline's answer time, TLS bytes, Lambda's
 * own log lines, VPC flow log volume. Lambda CPU scales with memory (1,769 MB = one vCPU), so CPU-bound
 * time measured on a full core is stretched by 1769 / memory.
 *
 *   npx node bench/cost.ts            (uses the last results of `npm run bench`)
 */
import { existsSync, readFileSync } from 'node:fs';
import { int } from './support.ts';

/** List prices of docs/operations.md (us-east-1). */
export const prices = {
  httpApiPerMillion: 1.0,
  lambdaGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  sqsPerMillionRequests: 0.4,
  natPerGb: 0.045,
  transferOutPerGb: 0.09,
  dynamoPerMillionWrites: 0.625,
  logsPerGbIngested: 0.5,
};

/** What a single machine cannot measure; each is a stated assumption. */
export const assumptions = {
  /** SendMessage round trip from a Lambda in the same region, ms. */
  sqsSendMs: 8,
  /** Onpipeline's answer time, ms (docs/operations.md: ~300–500 ms). */
  onpipelineMs: 400,
  /** One DynamoDB write from a Lambda in the same region, ms; idempotency does two per lead, in sequence. */
  dynamoWriteMs: 5,
  /** TLS handshake bytes through the NAT when deliver opens a new connection (certificate chain). */
  tlsHandshakeBytes: 6000,
  /** HTTP headers of one Leadsin request + answer, bytes. */
  httpHeaderBytes: 600,
  /** Lambda's START/END/REPORT lines per invocation, bytes. */
  lambdaPlatformLogBytes: 350,
  /** VPC flow log records per lead (docs/operations.md), bytes. */
  flowLogBytesPerLead: 750,
  /** One vCPU at this much memory (Lambda's documented scaling). */
  fullCpuMemoryMb: 1769,
};

/** One HTTP API access log line in the stack's format (infra/stack.ts), with typical values. */
const accessLogLine = JSON.stringify({
  requestId: 'Vx3kYjXxoAMEbQw=',
  time: '28/Nov/2026:10:07:02 +0000',
  ip: '203.0.113.9',
  userAgent:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  routeKey: 'POST /v1/forms/{sourceId}',
  path: '/v1/forms/demo-contact',
  status: '202',
  protocol: 'HTTP/1.1',
  responseLength: '48',
  latency: '14',
  integrationLatency: '13',
  integrationStatus: '200',
  integrationError: '-',
  error: '-',
});

/** The functions' memory from infra/stack.ts (read as text: importing the stack loads all of aws-cdk-lib). */
export function functionMemory(): { captureMb: number; deliverMb: number } {
  const text = readFileSync('infra/stack.ts', 'utf8');
  const read = (name: string) => Number(new RegExp(`${name}\\s*=\\s*(\\d+)`).exec(text)?.[1] ?? Number.NaN);
  return { captureMb: read('CAPTURE_MEMORY_MB'), deliverMb: read('DELIVER_MEMORY_MB') };
}

export interface CostInputs {
  /** capture CPU per event as deployed, µs (JSON form post). */
  captureCpuMicros: number;
  /** capture log bytes per event as deployed. */
  captureLogBytes: number;
  /** deliver CPU per lead, µs (send path, no local store). */
  deliverCpuMicrosPerLead: number;
  /** deliver's per-batch time beyond Onpipeline's answer time, ms (measured with a slow sandbox). */
  deliverBatchOverheadMs: number;
  /** deliver log bytes per lead as deployed: full batches / batches of one. */
  deliverLogBytesFull: number;
  deliverLogBytesSingle: number;
  /** Leadsin body bytes (JSON) of a typical lead. */
  leadsinBodyBytes: number;
}

interface Line {
  item: string;
  arithmetic: string;
  dollars: number;
}

/** The cost table for one traffic shape, with the arithmetic of every line. */
export function costPerMillion(
  inputs: CostInputs,
  perBatch: number,
  memory = functionMemory(),
): { lines: Line[]; total: number } {
  const million = 1_000_000;
  const invocations = million / perBatch;
  const gb = (mb: number) => mb / 1024;
  const stretch = (mb: number) => Math.max(1, assumptions.fullCpuMemoryMb / mb);

  const captureMs = Math.ceil(
    (inputs.captureCpuMicros / 1000) * stretch(memory.captureMb) + assumptions.sqsSendMs,
  );
  const captureGbS = million * gb(memory.captureMb) * (captureMs / 1000);

  const deliverCpuMs = (inputs.deliverCpuMicrosPerLead / 1000) * perBatch * stretch(memory.deliverMb);
  const deliverMs = Math.ceil(
    assumptions.onpipelineMs + 2 * assumptions.dynamoWriteMs + inputs.deliverBatchOverheadMs + deliverCpuMs,
  );
  const deliverGbS = invocations * gb(memory.deliverMb) * (deliverMs / 1000);

  const sqsRequests = million * (1 + 2 / perBatch); // send; receive and delete per batch
  const leadsinBytes = inputs.leadsinBodyBytes + assumptions.httpHeaderBytes;
  const natBytes = leadsinBytes + assumptions.tlsHandshakeBytes / perBatch;
  const outBytes =
    inputs.leadsinBodyBytes + assumptions.httpHeaderBytes / 2 + assumptions.tlsHandshakeBytes / 4 / perBatch;
  // Measured at 10 and at 1 lead per batch; the per-invocation part is spread over the batch.
  const perInvocationLog = Math.max(0, (inputs.deliverLogBytesSingle - inputs.deliverLogBytesFull) / 0.9);
  const deliverLogs = inputs.deliverLogBytesSingle - perInvocationLog + perInvocationLog / perBatch;
  const logBytes =
    inputs.captureLogBytes +
    assumptions.lambdaPlatformLogBytes +
    deliverLogs +
    assumptions.lambdaPlatformLogBytes / perBatch +
    accessLogLine.length;
  const gbOf = (bytes: number) => (million * bytes) / 1e9;

  const lines: Line[] = [
    { item: 'HTTP API requests', arithmetic: '1 M × $1.00/M', dollars: prices.httpApiPerMillion },
    {
      item: 'capture compute',
      arithmetic: `1 M × ${gb(memory.captureMb)} GB × ${captureMs} ms (CPU ${inputs.captureCpuMicros.toFixed(0)} µs × ${stretch(memory.captureMb).toFixed(2)} + SQS ${assumptions.sqsSendMs} ms, billed per ms) = ${int(captureGbS)} GB-s`,
      dollars: captureGbS * prices.lambdaGbSecond,
    },
    { item: 'capture requests', arithmetic: '1 M × $0.20/M', dollars: prices.lambdaPerMillionRequests },
    {
      item: 'SQS',
      arithmetic: `${(1 + 2 / perBatch).toFixed(1)} requests per lead (send; receive + delete per batch of ${perBatch}) × $0.40/M`,
      dollars: (sqsRequests / million) * prices.sqsPerMillionRequests,
    },
    {
      item: 'deliver compute',
      arithmetic: `${int(invocations)} invocations × ${gb(memory.deliverMb)} GB × ${deliverMs} ms (Onpipeline ${assumptions.onpipelineMs} + DynamoDB 2 × ${assumptions.dynamoWriteMs} + batch overhead ${inputs.deliverBatchOverheadMs.toFixed(0)} + CPU ${deliverCpuMs.toFixed(1)} ms${perBatch > 1 ? `; the ${perBatch} sends of a batch run in parallel` : ''}) = ${int(deliverGbS)} GB-s`,
      dollars: deliverGbS * prices.lambdaGbSecond,
    },
    {
      item: 'deliver requests',
      arithmetic: `${int(invocations)} × $0.20/M`,
      dollars: (invocations / million) * prices.lambdaPerMillionRequests,
    },
    {
      item: 'DynamoDB idempotency',
      arithmetic: '2 writes < 1 KB per lead × $0.625/M',
      dollars: 2 * prices.dynamoPerMillionWrites,
    },
    {
      item: 'NAT data processing',
      arithmetic: `${(natBytes / 1000).toFixed(1)} KB per lead (Leadsin ${leadsinBytes} B + TLS handshake ${assumptions.tlsHandshakeBytes} B / ${perBatch}) × $0.045/GB`,
      dollars: gbOf(natBytes) * prices.natPerGb,
    },
    {
      item: 'data transfer out',
      arithmetic: `${(outBytes / 1000).toFixed(1)} KB per lead × $0.09/GB`,
      dollars: gbOf(outBytes) * prices.transferOutPerGb,
    },
    {
      item: 'CloudWatch Logs',
      arithmetic: `${(logBytes / 1000).toFixed(2)} KB per lead (capture ${inputs.captureLogBytes.toFixed(0)} B + deliver ${deliverLogs.toFixed(0)} B measured; Lambda lines ${assumptions.lambdaPlatformLogBytes} B per invocation; access log ${accessLogLine.length} B) × $0.50/GB`,
      dollars: gbOf(logBytes) * prices.logsPerGbIngested,
    },
    {
      item: 'VPC flow logs',
      arithmetic: `${assumptions.flowLogBytesPerLead} B per lead × $0.50/GB`,
      dollars: gbOf(assumptions.flowLogBytesPerLead) * prices.logsPerGbIngested,
    },
  ];
  return { lines, total: lines.reduce((sum, line) => sum + line.dollars, 0) };
}

/** The cost inputs from `bench/run.ts` results. */
export function costInputs(results: Record<string, unknown>): CostInputs {
  type Capture = {
    variants: Record<
      string,
      { results: Record<string, { leadgateCpuMicros: { median: number }; logBytesPerEvent: number }> }
    >;
  };
  type Deliver = {
    variants: Record<string, { cpuMicrosPerLead: { median: number } }>;
    slow: { onpipelineMs: number; msPerBatch: { median: number } };
    logBytesPerLead: { fullBatch: number; batchOfOne: number };
  };
  type Mapping = { sample: { form: { body?: unknown } } };
  const capture = results.capture as Capture;
  const deliver = results.deliver as Deliver;
  const mapping = results.mapping as Mapping;
  const deployed = capture.variants['log INFO, metrics on (as deployed)']?.results.json;
  if (!deployed) throw new Error('capture results lack the as-deployed variant');
  return {
    captureCpuMicros: deployed.leadgateCpuMicros.median,
    captureLogBytes: deployed.logBytesPerEvent,
    deliverCpuMicrosPerLead:
      deliver.variants['without idempotency store']?.cpuMicrosPerLead.median ?? Number.NaN,
    deliverBatchOverheadMs: Math.max(0, deliver.slow.msPerBatch.median - deliver.slow.onpipelineMs),
    deliverLogBytesFull: deliver.logBytesPerLead.fullBatch,
    deliverLogBytesSingle: deliver.logBytesPerLead.batchOfOne,
    leadsinBodyBytes: Buffer.byteLength(JSON.stringify(mapping.sample.form.body ?? {})),
  };
}

export function costReport(results: Record<string, unknown>) {
  const inputs = costInputs(results);
  const memory = functionMemory();
  const busy = costPerMillion(inputs, 10, memory);
  const quiet = costPerMillion(inputs, 1, memory);
  // Sensitivity: leads per deliver batch (a batching window fills batches at low traffic) × deliver
  // memory (deliver mostly waits on Onpipeline, so less memory costs proportionally less).
  const sensitivity = [1, 2, 5, 10].map((perBatch) => ({
    perBatch,
    byDeliverMemoryMb: Object.fromEntries(
      [512, 256, 128].map((mb) => [mb, costPerMillion(inputs, perBatch, { ...memory, deliverMb: mb }).total]),
    ),
  }));
  return { goalDollars: 5, memory, inputs, assumptions, prices, busy, quiet, sensitivity };
}

export function printCost(report: ReturnType<typeof costReport>): void {
  console.log(
    `cost per million leads (variable), memory capture ${report.memory.captureMb} MB / deliver ${report.memory.deliverMb} MB:`,
  );
  for (const shape of ['busy', 'quiet'] as const) {
    console.log(
      `  ${shape} (${shape === 'busy' ? '10 leads' : '1 lead'} per deliver batch): $${report[shape].total.toFixed(2)}`,
    );
    for (const line of report[shape].lines) {
      console.log(`    ${line.item.padEnd(22)} $${line.dollars.toFixed(3).padStart(7)}  ${line.arithmetic}`);
    }
  }
  console.log('  total by leads per deliver batch × deliver memory (512 / 256 / 128 MB):');
  for (const row of report.sensitivity) {
    const cells = Object.entries(row.byDeliverMemoryMb)
      .sort((a, b) => Number(b[0]) - Number(a[0]))
      .map(([mb, dollars]) => `${mb} MB $${dollars.toFixed(2)}`);
    console.log(`    ${String(row.perBatch).padStart(2)} per batch: ${cells.join('  ')}`);
  }
}

if (import.meta.main) {
  const file = process.argv[2] ?? '.leadgate/bench/latest.json';
  if (!existsSync(file)) {
    console.error(`no results at ${file}: run npm run bench first`);
    process.exit(1);
  }
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { results: Record<string, unknown> };
  printCost(costReport(saved.results));
}
