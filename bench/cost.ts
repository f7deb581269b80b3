/**
 * Variable AWS cost per million leads, from the measured durations of the other benchmarks, the
 * functions' configured memory, the deliver trigger's batching window and the default X-Ray tracing
 * (infra/sizing.ts, what the stack deploys by default; tracing turned on is priced as a what-if),
 * with the list prices of docs/operations.md (us-east-1, as noted there on 2026-11-28; not
 * re-verified online here). Traffic shapes:
 *
 * - busy: the deliver trigger takes full batches of 10 leads from a backlog (one receive per batch);
 * - quiet: every deliver invocation carries one lead, the worst case (a trickle with no batching
 *   window, or a window that catches one lead each time);
 * - by monthly volume: leads arrive as an even Poisson trickle (V leads / 30.4 days), and the trigger
 *   gathers them for up to the batching window W before it invokes deliver: about λW/(1 − e^(−λW))
 *   leads per invocation, at most 10. Either one poller gathers every lead (best case), or the
 *   trickle is shared by the five batches Lambda keeps gathering at low traffic (see `assumptions`).
 *
 * Measured here: capture's CPU per event as deployed (log INFO + metrics), deliver's CPU per lead and
 * its per-batch overhead around a slow Onpipeline, log bytes per lead of both functions, the envelope
 * and Leadsin body sizes, deliver's init time. Assumed (AWS round trips cannot be measured on one
 * machine, see `assumptions`): SQS SendMessage and DynamoDB latencies from Lambda, Onpipeline's answer
 * time, TLS bytes, Lambda's own log lines, VPC flow log volume, how Lambda's pollers share a trickle.
 * Lambda CPU scales with memory (1,769 MB = one vCPU), so CPU-bound time measured on a full core is
 * stretched by 1769 / memory.
 *
 *   npx node bench/cost.ts               (uses the last results of `npm run bench`)
 *   npx node bench/cost.ts --window=60   (prices another batching window than the configured one)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CAPTURE_MEMORY_MB,
  DEFAULT_TRACING,
  DELIVER_BATCHING_WINDOW_SECONDS,
  DELIVER_MEMORY_MB,
  type TracedFunctions,
  tracedFunctions,
} from '#infra/sizing.ts';
import { DELIVER_BATCH_SIZE } from '#shared/queue/definition.ts';
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
  xrayPerMillionTraces: 5.0,
  natPerHour: 0.045,
  publicIpv4PerHour: 0.005,
  secretPerMonth: 0.4,
  secretsPer10kCalls: 0.05,
  kmsKeyPerMonth: 1.0,
  alarmPerMonth: 0.1,
  dashboardPerMonth: 3.0,
  customMetricPerMonth: 0.3,
};

/** Hours in an average month (365.25 × 24 / 12). */
const HOURS_PER_MONTH = 730.5;

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
  /**
   * Batches the deliver trigger gathers at once under low traffic. AWS: Lambda processes five batches
   * at a time and scales down to two at low traffic only without a maximum concurrency (the stack sets
   * one). Assumed, not documented: each gathers its own share of a trickle during the window, so a
   * window collects about 1/5 of the leads it would with one poller.
   */
  triggerPollers: 5,
  /** Warm function instances reading the secret every 5 minutes (docs/operations.md). */
  warmInstances: 10,
  /** Distinct custom metric names counted in a month (docs/operations.md). */
  customMetricNames: 25,
};

/** Seconds in an average month (365.25 / 12 days). */
export const SECONDS_PER_MONTH = (365.25 / 12) * 86_400;

/** The monthly volumes the cost is shown for. */
export const monthlyVolumes = [100_000, 1_000_000, 10_000_000, 100_000_000] as const;

/**
 * X-Ray, as Lambda's active tracing samples: the first request of each second and 5 % of the rest
 * (Lambda applies no custom sampling rule: AWS X-Ray's "Configuring sampling rules" lists API Gateway,
 * AppSync, Step Functions and the SDKs, not Lambda). For an even trickle of `perSecond` invocations
 * that is min(1, (1 + 0.05 × (λ − 1)) / λ) of them. Each sampled invocation is one trace recorded
 * (deliver's are assumed to be traces of their own, not segments of capture's; the first 100,000
 * traces of an account each month are free and not subtracted here).
 */
export function sampledFraction(perSecond: number): number {
  if (perSecond <= 1) return 1;
  return (1 + 0.05 * (perSecond - 1)) / perSecond;
}

/** Which functions are traced with X-Ray active tracing (infra/sizing.ts, the `tracing` setting). */
export type Tracing = TracedFunctions;

/**
 * X-Ray dollars per million leads at `leadsPerSecond` with `perBatch` leads per deliver invocation.
 */
export function xrayPerMillion(leadsPerSecond: number, perBatch: number, tracing: Tracing): number {
  const capture = tracing.capture ? sampledFraction(leadsPerSecond) : 0;
  const deliver = tracing.deliver ? sampledFraction(leadsPerSecond / perBatch) / perBatch : 0;
  return (capture + deliver) * prices.xrayPerMillionTraces;
}

/** The stack's resources that cost by the month, counted in the synthesised template when there is one. */
export interface FixedCounts {
  natGateways: number;
  publicIps: number;
  secrets: number;
  kmsKeys: number;
  alarms: number;
  dashboards: number;
  /** From: the template, or the numbers of docs/operations.md when no `cdk.out` is there. */
  from: string;
}

/** Counts the fixed-cost resources of `cdk.out/<stack>.template.json` (run `npm run synth` first). */
export function fixedCounts(cdkOut = 'cdk.out'): FixedCounts {
  const file = existsSync(cdkOut)
    ? readdirSync(cdkOut).find((name) => name.endsWith('.template.json'))
    : undefined;
  if (!file) {
    return { natGateways: 1, publicIps: 1, secrets: 2, kmsKeys: 1, alarms: 27, dashboards: 1, from: 'docs' };
  }
  const template = JSON.parse(readFileSync(join(cdkOut, file), 'utf8')) as {
    Resources: Record<string, { Type: string }>;
  };
  const count = (type: string) =>
    Object.values(template.Resources).filter((resource) => resource.Type === type).length;
  return {
    natGateways: count('AWS::EC2::NatGateway'),
    publicIps: count('AWS::EC2::EIP'),
    secrets: count('AWS::SecretsManager::Secret'),
    kmsKeys: count('AWS::KMS::Key'),
    alarms: count('AWS::CloudWatch::Alarm'),
    dashboards: count('AWS::CloudWatch::Dashboard'),
    from: join(cdkOut, file),
  };
}

/**
 * What the stack costs a month with no lead at all (docs/operations.md, "Fixed monthly cost"): the
 * NAT gateway and public IPv4 of the static egress IP, secrets and their reads, the alarm topic's KMS
 * key, alarms, the dashboard, custom metrics, and the trigger's long polls of an empty queue.
 */
export function fixedMonthly(counts: FixedCounts = fixedCounts()) {
  const lines: Line[] = [
    {
      item: 'NAT gateway hours',
      arithmetic: `${counts.natGateways} × ${HOURS_PER_MONTH} h × $${prices.natPerHour}`,
      dollars: counts.natGateways * HOURS_PER_MONTH * prices.natPerHour,
    },
    {
      item: 'public IPv4',
      arithmetic: `${counts.publicIps} × ${HOURS_PER_MONTH} h × $${prices.publicIpv4PerHour}`,
      dollars: counts.publicIps * HOURS_PER_MONTH * prices.publicIpv4PerHour,
    },
    {
      item: 'secrets',
      arithmetic: `${counts.secrets} × $${prices.secretPerMonth}`,
      dollars: counts.secrets * prices.secretPerMonth,
    },
    {
      item: 'secret reads',
      arithmetic: `~${assumptions.warmInstances} warm instances × 12 refreshes/h × ${HOURS_PER_MONTH} h × $0.05/10,000`,
      dollars: ((assumptions.warmInstances * 12 * HOURS_PER_MONTH) / 10_000) * prices.secretsPer10kCalls,
    },
    {
      item: 'KMS keys',
      arithmetic: `${counts.kmsKeys} × $${prices.kmsKeyPerMonth}`,
      dollars: counts.kmsKeys * prices.kmsKeyPerMonth,
    },
    {
      item: 'alarms',
      arithmetic: `${counts.alarms} × $${prices.alarmPerMonth}`,
      dollars: counts.alarms * prices.alarmPerMonth,
    },
    {
      item: 'dashboards',
      arithmetic: `${counts.dashboards} × $${prices.dashboardPerMonth} (free within an account's first 3)`,
      dollars: counts.dashboards * prices.dashboardPerMonth,
    },
    {
      item: 'custom metrics',
      arithmetic: `~${assumptions.customMetricNames} names seen in a month × $${prices.customMetricPerMonth}`,
      dollars: assumptions.customMetricNames * prices.customMetricPerMonth,
    },
    {
      item: 'empty-queue polls',
      arithmetic: `~${assumptions.triggerPollers} pollers × 3 long polls/min × ${int(HOURS_PER_MONTH * 60)} min × $0.40/M`,
      dollars:
        ((assumptions.triggerPollers * 3 * HOURS_PER_MONTH * 60) / 1_000_000) * prices.sqsPerMillionRequests,
    },
  ];
  return { counts, lines, total: lines.reduce((sum, line) => sum + line.dollars, 0) };
}

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

export interface Memory {
  captureMb: number;
  deliverMb: number;
}

/** The functions' memory as deployed (infra/sizing.ts, which the stack builds from). */
export function functionMemory(): Memory {
  return { captureMb: CAPTURE_MEMORY_MB, deliverMb: DELIVER_MEMORY_MB };
}

/**
 * The deliver trigger's batching window as deployed: `deliverBatchingWindowSeconds` in cdk.json's
 * context when an operator pinned one there, else the stack's default. (`-c` on the command line
 * cannot be seen from here: pass `--window=` to price it.)
 */
export function configuredWindowSeconds(cdkJson = 'cdk.json'): number {
  if (existsSync(cdkJson)) {
    const context = (JSON.parse(readFileSync(cdkJson, 'utf8')) as { context?: Record<string, unknown> })
      .context;
    const pinned = Number(context?.deliverBatchingWindowSeconds ?? Number.NaN);
    if (Number.isInteger(pinned) && pinned >= 0) return pinned;
  }
  return DELIVER_BATCHING_WINDOW_SECONDS;
}

/**
 * Leads per deliver invocation when leads arrive as a Poisson trickle of `leadsPerSecond`, shared by
 * `pollers`, each gathering for up to `windowSeconds`: the leads of one window given at least one
 * (an empty window invokes nothing), λW / (1 − e^(−λW)), capped at the batch size. No window: 1.
 *
 * @example
 * leadsPerBatch(0.38, 20); // ≈ 7.6: 1 million leads a month, one poller, a 20 s window
 */
export function leadsPerBatch(
  leadsPerSecond: number,
  windowSeconds: number,
  pollers = 1,
  batchSize: number = DELIVER_BATCH_SIZE,
): number {
  const expected = (leadsPerSecond / pollers) * windowSeconds;
  const perWindow = expected < 1e-9 ? 1 : expected / -Math.expm1(-expected);
  return Math.min(batchSize, perWindow);
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

/** Leads per batch as written in the arithmetic: `10`, or `7.6` for an average. */
const fixed = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

export interface Shape {
  /**
   * ReceiveMessage calls per deliver invocation. 1 when the batch was already waiting (a backlog);
   * about one per lead when a window gathers a trickle, since a long poll returns as soon as one lead
   * is there (assumed: Lambda's poller is not documented at this level). Default 1.
   */
  receivesPerBatch?: number;
}

/** The cost table for one traffic shape (leads per deliver invocation), with the arithmetic of every line. */
export function costPerMillion(
  inputs: CostInputs,
  perBatch: number,
  memory: Memory = functionMemory(),
  shape: Shape = {},
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

  const receivesPerBatch = shape.receivesPerBatch ?? 1;
  const sqsPerLead = 1 + (receivesPerBatch + 1) / perBatch; // send; receives and one delete per batch
  const sqsRequests = million * sqsPerLead;
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
      arithmetic: `${sqsPerLead.toFixed(2)} requests per lead (send; ${receivesPerBatch === 1 ? 'one receive' : `${receivesPerBatch.toFixed(1)} receives`} + one delete per batch of ${fixed(perBatch)}) × $0.40/M`,
      dollars: (sqsRequests / million) * prices.sqsPerMillionRequests,
    },
    {
      item: 'deliver compute',
      arithmetic: `${int(invocations)} invocations × ${gb(memory.deliverMb)} GB × ${deliverMs} ms (Onpipeline ${assumptions.onpipelineMs} + DynamoDB 2 × ${assumptions.dynamoWriteMs} + batch overhead ${inputs.deliverBatchOverheadMs.toFixed(0)} + CPU ${deliverCpuMs.toFixed(1)} ms${perBatch > 1 ? `; the ${fixed(perBatch)} sends of a batch run in parallel` : ''}) = ${int(deliverGbS)} GB-s`,
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
      arithmetic: `${(natBytes / 1000).toFixed(1)} KB per lead (Leadsin ${leadsinBytes} B + TLS handshake ${assumptions.tlsHandshakeBytes} B / ${fixed(perBatch)}) × $0.045/GB`,
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

/** The cost per million at one monthly volume with a batching window, one poller and shared pollers. */
export function costAtVolume(
  inputs: CostInputs,
  leadsPerMonth: number,
  windowSeconds: number,
  memory: Memory = functionMemory(),
  tracing: Tracing = deployedTracing(),
  fixedDollarsPerMonth = 0,
) {
  const leadsPerSecond = leadsPerMonth / SECONDS_PER_MONTH;
  const millions = leadsPerMonth / 1_000_000;
  const at = (pollers: number) => {
    const perBatch = leadsPerBatch(leadsPerSecond, windowSeconds, pollers);
    // A window gathers a trickle one receive per lead; without one, each receive is a batch of one.
    const total = costPerMillion(inputs, perBatch, memory, { receivesPerBatch: perBatch }).total;
    const xray = xrayPerMillion(leadsPerSecond, perBatch, tracing);
    const variable = total + xray;
    return {
      pollers,
      perBatch,
      total,
      xray,
      variable,
      /** Variable plus the fixed monthly cost spread over the month's leads. */
      withFixed: variable + fixedDollarsPerMonth / millions,
      dollarsPerMonth: millions * total,
    };
  };
  return { leadsPerMonth, leadsPerSecond, onePoller: at(1), sharedPollers: at(assumptions.triggerPollers) };
}

/** The X-Ray tracing the stack deploys by default (the `tracing` setting's default, infra/sizing.ts). */
export function deployedTracing(): Tracing {
  return tracedFunctions(DEFAULT_TRACING);
}

/**
 * What one cold start of deliver costs: the measured init (process start to handler ready, with
 * source maps, as deployed) plus the first call (clients and source configs built), CPU-bound on a full
 * core here, stretched by Lambda's CPU share. Lambda bills INIT since 1 August 2025. Undefined
 * without cold-start results.
 */
export function deliverColdStart(results: Record<string, unknown>) {
  type Timing = { median: number };
  type Coldstart = { init?: Record<string, Record<string, { readyMs: Timing; firstCallMs: Timing }>> };
  const deployed = (results.coldstart as Coldstart | undefined)?.init?.sourceMaps?.[
    'deliver as CJS (deployed)'
  ];
  if (!deployed) return undefined;
  const fullCoreMs = deployed.readyMs.median + deployed.firstCallMs.median;
  return {
    fullCoreMs,
    byDeliverMemoryMb: [512, 256, 128].map((mb) => {
      const seconds = (fullCoreMs / 1000) * Math.max(1, assumptions.fullCpuMemoryMb / mb);
      const gbSeconds = (mb / 1024) * seconds;
      return { mb, seconds, gbSeconds, dollarsPerThousand: 1000 * gbSeconds * prices.lambdaGbSecond };
    }),
  };
}

export function costReport(results: Record<string, unknown>, options: { windowSeconds?: number } = {}) {
  const inputs = costInputs(results);
  const memory = functionMemory();
  const windowSeconds = options.windowSeconds ?? configuredWindowSeconds();
  const busy = costPerMillion(inputs, DELIVER_BATCH_SIZE, memory);
  const quiet = costPerMillion(inputs, 1, memory);
  // Sensitivity: leads per deliver batch (a batching window fills batches at low traffic) × deliver
  // memory (deliver mostly waits on Onpipeline, so less memory costs proportionally less).
  const sensitivity = [1, 2, 5, 10].map((perBatch) => ({
    perBatch,
    byDeliverMemoryMb: Object.fromEntries(
      [512, 256, 128].map((mb) => [mb, costPerMillion(inputs, perBatch, { ...memory, deliverMb: mb }).total]),
    ),
  }));
  // 1 million leads a month with the configured window, gathered by one poller, line by line.
  const windowedPerBatch = leadsPerBatch(1_000_000 / SECONDS_PER_MONTH, windowSeconds);
  const windowed = {
    leadsPerMonth: 1_000_000,
    perBatch: windowedPerBatch,
    ...costPerMillion(inputs, windowedPerBatch, memory, { receivesPerBatch: windowedPerBatch }),
  };
  // The configured window at each monthly volume, and other windows at 1 million leads a month.
  const fixed = fixedMonthly();
  const tracing = deployedTracing();
  const byVolume = monthlyVolumes.map((leads) =>
    costAtVolume(inputs, leads, windowSeconds, memory, tracing, fixed.total),
  );
  // What-ifs: the same with tracing turned on (`-c tracing=deliver`, `-c tracing=all`).
  const byVolumeDeliverTraced = monthlyVolumes.map((leads) =>
    costAtVolume(inputs, leads, windowSeconds, memory, tracedFunctions('deliver'), fixed.total),
  );
  const byVolumeAllTraced = monthlyVolumes.map((leads) =>
    costAtVolume(inputs, leads, windowSeconds, memory, tracedFunctions('all'), fixed.total),
  );
  const byWindow = [0, 10, 20, 30, 60, 120].map((seconds) => ({
    windowSeconds: seconds,
    ...costAtVolume(inputs, 1_000_000, seconds, memory, tracing, fixed.total),
  }));
  return {
    goalDollars: 5,
    memory,
    windowSeconds,
    inputs,
    assumptions,
    prices,
    busy,
    quiet,
    windowed,
    sensitivity,
    tracing,
    fixed,
    byVolume,
    byVolumeDeliverTraced,
    byVolumeAllTraced,
    byWindow,
    deliverColdStart: deliverColdStart(results),
  };
}

export function printCost(report: ReturnType<typeof costReport>): void {
  console.log(
    `cost per million leads (variable), memory capture ${report.memory.captureMb} MB / deliver ${report.memory.deliverMb} MB:`,
  );
  const titles = {
    busy: '10 leads per deliver batch',
    quiet: '1 lead per deliver batch',
    windowed: `1,000,000 leads/month, ${report.windowSeconds} s batching window: ${fixed(report.windowed.perBatch)} leads per deliver batch, one poller`,
  };
  for (const shape of ['busy', 'quiet', 'windowed'] as const) {
    console.log(`  ${shape} (${titles[shape]}): $${report[shape].total.toFixed(2)}`);
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

  const pollers = report.assumptions.triggerPollers;
  const cell = (c: { perBatch: number; total: number }) =>
    `${c.perBatch.toFixed(1).padStart(4)} × $${c.total.toFixed(2)}`;
  console.log(
    `  by monthly volume, batching window ${report.windowSeconds} s (at low traffic a lead reaches Onpipeline up to ${report.windowSeconds} s later);` +
      ` leads per batch × $ per million, one poller gathering every lead / the trickle shared by ${pollers} pollers;` +
      ` worst case 1 per batch $${report.quiet.total.toFixed(2)}, backlog of full batches $${report.busy.total.toFixed(2)}:`,
  );
  for (const row of report.byVolume) {
    console.log(
      `    ${int(row.leadsPerMonth).padStart(10)}/month (${row.leadsPerSecond.toFixed(3)}/s): ` +
        `${cell(row.onePoller)} ($${row.onePoller.dollarsPerMonth.toFixed(2)}/month)  /  ` +
        `${cell(row.sharedPollers)} ($${row.sharedPollers.dollarsPerMonth.toFixed(2)}/month)`,
    );
  }
  const traced = (t: Tracing) =>
    `X-Ray on ${[t.capture ? 'capture' : '', t.deliver ? 'deliver' : ''].filter(Boolean).join(' and ') || 'neither function'}`;
  console.log(
    `  fixed monthly cost (no leads; resources counted in ${report.fixed.counts.from}): $${report.fixed.total.toFixed(2)}`,
  );
  for (const line of report.fixed.lines) {
    console.log(`    ${line.item.padEnd(22)} $${line.dollars.toFixed(2).padStart(7)}  ${line.arithmetic}`);
  }
  const table = (title: string, rows: ReturnType<typeof costAtVolume>[]) => {
    console.log(`  ${title}`);
    console.log(
      '    leads/month   leads per batch   variable $/M (of which X-Ray)    + fixed spread over the leads = total $/M',
    );
    for (const row of rows) {
      const one = row.onePoller;
      const five = row.sharedPollers;
      console.log(
        `    ${int(row.leadsPerMonth).padStart(11)}   ${one.perBatch.toFixed(1).padStart(4)} / ${five.perBatch.toFixed(1).padStart(4)}` +
          `       $${one.variable.toFixed(2)}–${five.variable.toFixed(2)} ($${one.xray.toFixed(2)}–${five.xray.toFixed(2)})` +
          `        $${one.withFixed.toFixed(2)}–${five.withFixed.toFixed(2)}`,
      );
    }
  };
  table(
    `per million leads by monthly volume, as deployed by default (${traced(report.tracing)}; one poller / ${pollers} pollers):`,
    report.byVolume,
  );
  table(
    `what if: the same with ${traced(tracedFunctions('deliver'))} (-c tracing=deliver):`,
    report.byVolumeDeliverTraced,
  );
  table(
    `what if: the same with ${traced(tracedFunctions('all'))} (-c tracing=all):`,
    report.byVolumeAllTraced,
  );
  console.log('  at 1,000,000 leads/month by batching window (one poller / shared):');
  for (const row of report.byWindow) {
    console.log(
      `    ${String(row.windowSeconds).padStart(3)} s: ${cell(row.onePoller)}  /  ${cell(row.sharedPollers)}`,
    );
  }
  const cold = report.deliverColdStart;
  if (cold) {
    const cells = cold.byDeliverMemoryMb.map(
      (c) => `${c.mb} MB ${c.seconds.toFixed(2)} s = ${c.gbSeconds.toFixed(2)} GB-s`,
    );
    console.log(
      `  deliver cold start (init + first call: ${cold.fullCoreMs.toFixed(0)} ms on a full core here, stretched by the CPU share; ` +
        `billed, not in the totals above): ${cells.join(', ')}; ` +
        `$${(cold.byDeliverMemoryMb[0]?.dollarsPerThousand ?? Number.NaN).toFixed(4)} per 1,000 cold starts at any of them`,
    );
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const file = args.find((arg) => !arg.startsWith('--')) ?? '.leadgate/bench/latest.json';
  const windowArg = args.find((arg) => arg.startsWith('--window='));
  const windowSeconds = windowArg === undefined ? undefined : Number(windowArg.slice('--window='.length));
  if (windowSeconds !== undefined && !(Number.isInteger(windowSeconds) && windowSeconds >= 0)) {
    console.error(`--window= takes whole seconds, got ${windowArg}`);
    process.exit(1);
  }
  if (!existsSync(file)) {
    console.error(`no results at ${file}: run npm run bench first`);
    process.exit(1);
  }
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { results: Record<string, unknown> };
  printCost(costReport(saved.results, windowSeconds === undefined ? {} : { windowSeconds }));
}
