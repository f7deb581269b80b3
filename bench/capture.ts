/**
 * Capture handler overhead per event: the real middy handler (`createCaptureHandler`, logger and
 * metrics middlewares, router, channel, dry-run mapping, envelope) against a bare handler that only
 * parses the body and sends it to the same stub queue client. Events are API Gateway HTTP API 2.0
 * events built once by the local adapter's own `toEvent`; each handler is called directly, one event
 * at a time, with a fake Lambda context, after a warm-up.
 *
 * Variants (each in a fresh process, because Powertools reads its settings when the handler module
 * loads): `POWERTOOLS_LOG_LEVEL=ERROR` + metrics disabled (the headline number), INFO + metrics
 * disabled, and INFO + metrics enabled (what the deployed function runs: one EMF line per invocation).
 * The child's stdout (log lines) goes through a pipe the parent drains, as on Lambda; log bytes per
 * event are counted too (they feed the CloudWatch Logs line of the cost estimate). After each call the
 * event loop turns once (for the bare handler too), as it does on Lambda between invocations, so a
 * call's stdout writes are made, and their CPU time counted, before the next call. Without the turn a
 * loop of awaited calls never yields to libuv: once the pipe is full, every later line stays in the
 * stream's buffer (up to 125 MB by the end of a run) and its write is never timed; how much is timed
 * then depends on when the pipe first filled.
 *
 *   npx node bench/capture.ts
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { meta as metaChannel, signedHeaders } from '#shared/channels/index.ts';
import {
  append,
  formatSummary,
  machine,
  report,
  requireNode24,
  runNode,
  type Summary,
  summarize,
} from './support.ts';

const META_APP_SECRET = 'bench-meta-app-secret';
const GOOGLE_KEY = 'bench-google-key';
const PAGE_ID = '104345678901234';
const FORM_ID = '1234567890123456789';

export const eventKinds = ['urlencoded', 'json', 'meta', 'googleAds'] as const;
export type EventKind = (typeof eventKinds)[number];

export interface Variant {
  name: string;
  logLevel: 'ERROR' | 'INFO';
  metrics: boolean;
}
export const variants: Variant[] = [
  { name: 'log ERROR, metrics off', logLevel: 'ERROR', metrics: false },
  { name: 'log INFO, metrics off', logLevel: 'INFO', metrics: false },
  { name: 'log INFO, metrics on (as deployed)', logLevel: 'INFO', metrics: true },
];

export interface KindResult {
  status: number;
  /** Wall-clock µs per event. */
  leadgateMicros: Summary;
  bareMicros: Summary;
  overheadMicros: number;
  ratio: number;
  /** Main-thread CPU µs per event (what the handler costs without other processes' preemption). */
  leadgateCpuMicros: Summary;
  bareCpuMicros: Summary;
  overheadCpuMicros: number;
  ratioCpu: number;
  logBytesPerEvent: number;
}

/** The sources the events post to: the shipped demo form plus a Meta and a Google Ads source. */
function sourcesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadgate-bench-sources-'));
  copyFileSync('sources/demo-contact.yaml', join(dir, 'demo-contact.yaml'));
  writeFileSync(
    join(dir, 'meta-spring.yaml'),
    `channel: meta\nmeta: { pageId: "${PAGE_ID}", formIds: ["${FORM_ID}"], pageToken: SPRING_PAGE_TOKEN }\n` +
      'lead:\n  FirstName: first_name\n  LastName: { from: last_name, default: "-" }\n' +
      '  Email:\n    - { from: email }\n',
  );
  writeFileSync(
    join(dir, 'gads-spring.yaml'),
    'channel: google-ads\ngoogleAds: { key: GADS_SPRING_KEY }\nlead:\n' +
      '  FirstName: { from: FULL_NAME, part: first }\n  LastName: { from: FULL_NAME, part: last, default: "-" }\n' +
      '  Email:\n    - { from: EMAIL }\n  Phone:\n    - { from: PHONE_NUMBER }\n',
  );
  return dir;
}

/** The request as the local adapter's `toEvent` reads it from node:http. */
function fakeRequest(method: string, headers: Record<string, string>): http.IncomingMessage {
  return {
    method,
    headers,
    httpVersion: '1.1',
    socket: { remoteAddress: '203.0.113.9' },
  } as unknown as http.IncomingMessage;
}

async function buildEvents(): Promise<Record<EventKind, APIGatewayProxyEventV2>> {
  const { toEvent } = await import('#local/gateway.ts');
  const browser = {
    host: 'leads.example.com',
    origin: 'http://127.0.0.1:3000',
    referer: 'http://127.0.0.1:3000/?utm_source=google&utm_medium=cpc&utm_campaign=spring-2026',
    'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
    'accept-language': 'es-ES,es;q=0.9,en;q=0.8',
  };
  const fields = {
    first_name: 'Ana María',
    last_name: 'Ruiz  García',
    email: 'Ana.Ruiz@Example.com',
    phone: '+34 600 123 456',
    company: 'Acme S.L.',
    city: 'Madrid',
    country: 'es',
    message: 'Hello, we would like a demo of your product for 40 users. Please call me in the morning.',
  };
  const form = new URLSearchParams(fields);
  form.append('interests[]', 'Pricing');
  form.append('interests[]', 'Demo');
  form.append('_gotcha', '');
  const formUrl = new URL('http://127.0.0.1/v1/forms/demo-contact');
  const formParams = { sourceId: 'demo-contact' };
  const urlencoded = toEvent(
    fakeRequest('POST', {
      ...browser,
      accept: 'text/html,application/xhtml+xml',
      'content-type': 'application/x-www-form-urlencoded',
    }),
    formUrl,
    'POST /v1/forms/{sourceId}',
    formParams,
    Buffer.from(form.toString()),
  );
  const json = toEvent(
    fakeRequest('POST', { ...browser, accept: 'application/json', 'content-type': 'application/json' }),
    formUrl,
    'POST /v1/forms/{sourceId}',
    formParams,
    Buffer.from(JSON.stringify({ ...fields, interests: ['Pricing', 'Demo'], _gotcha: '' })),
  );
  const notification =
    `{"object":"page","entry":[{"id":"${PAGE_ID}","time":1714644422,"changes":[{"field":"leadgen","value":` +
    `{"ad_id":23851234567890123,"form_id":${FORM_ID},"leadgen_id":1202123456789012345,` +
    `"created_time":1714644421,"page_id":${PAGE_ID},"adgroup_id":23851234567890124}}]}]}`;
  const meta = toEvent(
    fakeRequest('POST', {
      host: 'leads.example.com',
      'content-type': 'application/json',
      'user-agent': 'facebookexternalua',
      ...signedHeaders(metaChannel, META_APP_SECRET, notification),
    }),
    new URL('http://127.0.0.1/v1/webhooks/meta'),
    'POST /v1/webhooks/meta',
    {},
    Buffer.from(notification),
  );
  const googleLead =
    '{"lead_id":7301234567890123457,"user_column_data":[' +
    '{"column_name":"Full Name","string_value":"Ana Ruiz","column_id":"FULL_NAME"},' +
    '{"column_name":"User Phone","string_value":"+16505550123","column_id":"PHONE_NUMBER"},' +
    '{"column_name":"User Email","string_value":"ana@example.com","column_id":"EMAIL"}],' +
    `"api_version":"1.0","form_id":9223372036854775806,"campaign_id":1234567890123456789,"google_key":"${GOOGLE_KEY}",` +
    '"is_test":false,"gcl_id":"Cj0KCQjw-ABCDEFGHIJKLMNOPQRSTUVWXYZ","adgroup_id":2345678901234567891,' +
    '"creative_id":3456789012345678912,"lead_submit_time":"2026-11-28T10:07:01Z"}';
  const googleAds = toEvent(
    fakeRequest('POST', {
      host: 'leads.example.com',
      'content-type': 'application/json',
      'user-agent': 'Google-Ads-Lead-Form',
    }),
    new URL('http://127.0.0.1/v1/webhooks/google-ads/gads-spring'),
    'POST /v1/webhooks/google-ads/{sourceId}',
    { sourceId: 'gads-spring' },
    Buffer.from(googleLead),
  );
  return { urlencoded, json, meta, googleAds };
}

/** Runs in a child process: the handler modules are imported after the Powertools settings are set. */
async function child(resultFile: string, iterations: number, runs: number): Promise<void> {
  let logBytes = 0;
  const originalWrite = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return (originalWrite as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;

  const { createCaptureHandler } = await import('#functions/capture.ts');
  const { lambdaContext } = await import('#local/poller.ts');
  const { secretStore } = await import('#shared/security/secrets.ts');
  const { sourceRegistry } = await import('#shared/sources/registry.ts');
  const { json } = await import('#shared/http/response.ts');
  const { newEnvelope } = await import('#shared/channels/common/enqueue.ts');
  type Envelope = import('#shared/envelope.ts').Envelope;
  type LeadQueue = import('#shared/queue/client.ts').LeadQueue;

  const dir = sourcesDir();
  let queued = 0;
  const queue: LeadQueue = {
    enqueue: async () => {
      queued++;
    },
    deadLetter: async () => {},
    delay: async () => {},
  };
  const deps = {
    sources: sourceRegistry(dir),
    queue,
    secrets: secretStore(async () => ({ META_APP_SECRET, GADS_SPRING_KEY: GOOGLE_KEY })),
  };
  const handler = createCaptureHandler(() => deps);

  /** The floor: parse the body with the cheapest standard parser, put it on the same queue, answer 202. */
  const bare = async (event: APIGatewayProxyEventV2) => {
    const text = event.body ?? '';
    const contentType = event.headers['content-type'] ?? '';
    const fields = contentType.startsWith('application/json')
      ? (JSON.parse(text) as Record<string, string>)
      : Object.fromEntries(new URLSearchParams(text));
    await queue.enqueue(fields as unknown as Envelope);
    return json(202, { status: 'queued' });
  };
  void newEnvelope;

  const events = await buildEvents();
  const context: Context = lambdaContext('leadgate-capture', 10);
  const leadgateHandler = (event: APIGatewayProxyEventV2) => handler(event, context);

  const statuses: Partial<Record<EventKind, number>> = {};
  for (const kind of eventKinds) {
    const result = await handler(events[kind], context);
    statuses[kind] = result.statusCode;
    if (result.statusCode >= 400) throw new Error(`${kind}: ${result.statusCode} ${result.body}`);
  }

  /** One turn of the event loop, as between two Lambda invocations: pending stdout writes are made. */
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

  /** Wall-clock and main-thread CPU microseconds per call (CPU time ignores preemption by other work). */
  const time = async (
    call: (event: APIGatewayProxyEventV2) => Promise<unknown>,
    event: APIGatewayProxyEventV2,
  ) => {
    const cpu = process.threadCpuUsage();
    const start = performance.now();
    for (let index = 0; index < iterations; index++) {
      await call(event);
      await nextTurn();
    }
    const wall = ((performance.now() - start) * 1000) / iterations;
    const used = process.threadCpuUsage(cpu);
    return { wall, cpu: (used.user + used.system) / iterations };
  };

  // Warm-up: every path, many times, so V8 has optimised what it will.
  for (let round = 0; round < 4; round++) {
    for (const kind of eventKinds) {
      await time(leadgateHandler, events[kind]);
      await time(bare, events[kind]);
    }
  }

  const results = {} as Record<EventKind, KindResult>;
  const leadgate: Record<string, { wall: number; cpu: number }[]> = {};
  const plain: Record<string, { wall: number; cpu: number }[]> = {};
  for (let run = 0; run < runs; run++) {
    // Interleaved, so a burst of load from elsewhere on the machine hits both sides alike.
    for (const kind of eventKinds) {
      append(plain, kind, await time(bare, events[kind]));
      append(leadgate, kind, await time(leadgateHandler, events[kind]));
    }
  }
  const wall = (samples: { wall: number }[] | undefined) => summarize((samples ?? []).map((s) => s.wall));
  const cpu = (samples: { cpu: number }[] | undefined) => summarize((samples ?? []).map((s) => s.cpu));
  for (const kind of eventKinds) {
    const before = logBytes;
    const sampleCount = 2000;
    for (let index = 0; index < sampleCount; index++) await handler(events[kind], context);
    const leadgateMicros = wall(leadgate[kind]);
    const bareMicros = wall(plain[kind]);
    const leadgateCpuMicros = cpu(leadgate[kind]);
    const bareCpuMicros = cpu(plain[kind]);
    results[kind] = {
      status: statuses[kind] ?? 0,
      leadgateMicros,
      bareMicros,
      overheadMicros: leadgateMicros.median - bareMicros.median,
      ratio: leadgateMicros.median / bareMicros.median,
      leadgateCpuMicros,
      bareCpuMicros,
      overheadCpuMicros: leadgateCpuMicros.median - bareCpuMicros.median,
      ratioCpu: leadgateCpuMicros.median / bareCpuMicros.median,
      logBytesPerEvent: (logBytes - before) / sampleCount,
    };
  }
  rmSync(dir, { recursive: true, force: true });
  const logLine = await timeLogLine(iterations, runs, nextTurn);
  writeFileSync(
    resultFile,
    JSON.stringify({
      logLine,
      results,
      queued,
      eventBytes: Object.fromEntries(eventKinds.map((k) => [k, events[k].body?.length])),
    }),
  );
}

/**
 * What one log line costs, µs per line with a turn of the event loop after each (so the write is
 * made): the request line as `requestLog()` writes it through Powertools Logger (with the Lambda
 * context added, as `injectLambdaContext` does), the same object written with `JSON.stringify` and
 * one `process.stdout.write`, and the turn alone. The difference between the first two is what
 * Powertools adds to a line.
 */
async function timeLogLine(iterations: number, runs: number, nextTurn: () => Promise<void>) {
  const { logger } = await import('#shared/telemetry.ts');
  const { lambdaContext } = await import('#local/poller.ts');
  logger.addContext(lambdaContext('leadgate-capture', 10));
  const fields = {
    route: 'POST /v1/forms/{sourceId}',
    sourceId: 'demo-contact',
    leadId: '01JDZ8Q6W4XKQ0Y5B6N7M8P9R0',
    outcome: 'accepted',
    status: 202,
    channel: 'form',
    durationMs: 0.41,
  };
  const time = async (write: () => void) => {
    const cpu = process.threadCpuUsage();
    for (let index = 0; index < iterations; index++) {
      write();
      await nextTurn();
    }
    const used = process.threadCpuUsage(cpu);
    return (used.user + used.system) / iterations;
  };
  const variants = {
    powertools: () => logger.info('request', fields),
    plainJson: () => {
      process.stdout.write(
        `${JSON.stringify({ level: 'INFO', message: 'request', timestamp: new Date().toISOString(), ...fields })}\n`,
      );
    },
    turnOnly: () => {},
  };
  const samples: Record<string, number[]> = {};
  for (let run = 0; run < runs + 1; run++) {
    for (const [name, write] of Object.entries(variants)) {
      const micros = await time(write);
      if (run > 0) append(samples, name, micros); // the first round warms up
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, summarize(values)]));
}

export async function runCaptureBench(
  options: { iterations?: number; runs?: number; variants?: Variant[] } = {},
) {
  const iterations = options.iterations ?? 5_000;
  const runs = options.runs ?? 5;
  const self = fileURLToPath(import.meta.url);
  const scratch = mkdtempSync(join(tmpdir(), 'leadgate-bench-capture-'));
  mkdirSync(scratch, { recursive: true });
  const out: Record<
    string,
    { results: Record<EventKind, KindResult>; stdoutBytes: number; logLine: Record<string, Summary> }
  > = {};
  try {
    for (const variant of options.variants ?? variants) {
      const file = join(scratch, `${variant.logLevel}-${variant.metrics}.json`);
      const env: Record<string, string> = {
        BENCH_CAPTURE_CHILD: file,
        BENCH_ITERATIONS: String(iterations),
        BENCH_RUNS: String(runs),
        POWERTOOLS_LOG_LEVEL: variant.logLevel,
        POWERTOOLS_METRICS_DISABLED: variant.metrics ? 'false' : 'true',
        POWERTOOLS_SERVICE_NAME: 'leadgate',
        POWERTOOLS_METRICS_NAMESPACE: 'leadgate',
      };
      const child = await runNode([self], { env, timeoutMs: 600_000 });
      if (child.code !== 0) throw new Error(`capture bench child failed: ${child.stderr.slice(0, 2000)}`);
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
        results: Record<EventKind, KindResult>;
        logLine: Record<string, Summary>;
      };
      out[variant.name] = {
        results: parsed.results,
        stdoutBytes: child.stdoutBytes,
        logLine: parsed.logLine,
      };
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { goalOverheadMicros: 50, iterations, runs, variants: out };
}

export function printCapture(result: Awaited<ReturnType<typeof runCaptureBench>>): void {
  console.log(
    `capture handler, µs/event (median of ${result.runs} runs × ${result.iterations} sequential calls, after warm-up):`,
  );
  for (const [name, variant] of Object.entries(result.variants)) {
    console.log(`  ${name}`);
    const line = variant.logLine;
    if (line.powertools && line.plainJson && line.turnOnly) {
      console.log(
        `    one request log line, CPU µs (with a turn): Powertools ${formatSummary(line.powertools)}, JSON.stringify + write ${formatSummary(line.plainJson)}, turn alone ${formatSummary(line.turnOnly)}`,
      );
    }
    for (const kind of eventKinds) {
      const r = variant.results[kind];
      console.log(
        `    ${kind.padEnd(10)} ${r.status}  wall: leadgate ${formatSummary(r.leadgateMicros)} bare ${formatSummary(r.bareMicros)} overhead ${r.overheadMicros.toFixed(1)} µs (${r.ratio.toFixed(1)}×)`,
      );
      console.log(
        `    ${''.padEnd(14)}cpu:  leadgate ${formatSummary(r.leadgateCpuMicros)} bare ${formatSummary(r.bareCpuMicros)} overhead ${r.overheadCpuMicros.toFixed(1)} µs (${r.ratioCpu.toFixed(1)}×)  logs ${r.logBytesPerEvent.toFixed(0)} B/event`,
      );
    }
  }
}

if (import.meta.main) {
  requireNode24();
  const childFile = process.env.BENCH_CAPTURE_CHILD;
  if (childFile) {
    await child(childFile, Number(process.env.BENCH_ITERATIONS), Number(process.env.BENCH_RUNS));
  } else {
    const quick = process.argv.includes('--quick'); // the headline variant only
    const deployed = process.argv.includes('--deployed'); // the as-deployed variant only
    const result = report('capture', {
      machine: machine(),
      ...(await runCaptureBench(
        quick ? { variants: variants.slice(0, 1) } : deployed ? { variants: variants.slice(2) } : {},
      )),
    });
    printCapture(result);
  }
}
