/**
 * Cold start: each function bundled exactly as the CDK bundles it (`infra/constructs/leadgate-function.ts`
 * → `NodejsFunction` → esbuild: node24, CommonJS `index.js`, minified, external source map without
 * sources content, `mainFields: module,main`, the SDK bundled because `bundleAwsSDK: true`), with the
 * lazily loaded modules as files of their own in `lazy/` (`infra/bundling.ts`, the same function the
 * construct calls), in a package with its `sources/sources.json` as the stack ships it, then loaded by
 * fresh `node` processes with
 * `--enable-source-maps` (the stack sets it in `NODE_OPTIONS`). Each function is measured against its
 * **floor** (`floors`): the same job with nothing but the AWS SDK clients it needs, bundled the same
 * way, in the same rounds. Per bundle: its size and biggest inputs (esbuild metafile); per module:
 *
 * - `import`: `performance.now()` around `await import(bundle)` (the bundle's own load + top level);
 * - `ready`: `performance.now()` after the import, i.e. milliseconds since the process started (Node's
 *   bootstrap + the import): what a cold start waits for before the handler can run; also as the main
 *   thread's CPU time, which a loaded machine disturbs much less;
 * - the first call: capture's real first request (a form post whose lead goes to a stub SQS endpoint),
 *   deliver's an empty batch, against the floor's.
 *
 * Flags: `--runs=N` (default 25), `--no-components` (skips each dependency alone), `--keep=<dir>`
 * (keeps the packages for an A/B later, see `BENCH_COLDSTART_EXTRA`).
 *
 *   npx node bench/coldstart.ts
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { BUNDLE_OPTIONS, buildLazyFiles, indexBundleOptions } from '#infra/bundling.ts';
import { SOURCES_BUNDLE_FILE, sourcesBundleText } from '#shared/sources/bundle.ts';
import { loadSources } from '#shared/sources/loader.ts';
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

/** `ESM_REQUIRE_BANNER` of infra/constructs/leadgate-function.ts (checked against that file below). */
const ESM_REQUIRE_BANNER =
  "import { createRequire as topLevelCreateRequire } from 'node:module';" +
  'const require = topLevelCreateRequire(import.meta.url);';

export const functions = {
  capture: 'functions/capture.ts',
  deliver: 'functions/deliver.ts',
} as const;
type FunctionName = keyof typeof functions;

/**
 * The floors the functions are measured against: the least a Lambda that does the same job can load,
 * bundled and loaded exactly like the functions. Capture's floor builds an SQS client at module scope
 * and sends the request body as one message; deliver's builds an SQS and a DynamoDB client (what its
 * idempotency store and retries need) and answers a batch. Their first call goes to the same stub SQS
 * endpoint as the functions' first call.
 */
export const floors: Record<FunctionName, string> = {
  capture:
    "import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';\n" +
    'const sqs = new SQSClient({});\n' +
    'export const handler = async (event: { body?: string }) => {\n' +
    '  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.LEADS_QUEUE_URL, MessageBody: event.body ?? "{}" }));\n' +
    '  return { statusCode: 202, body: \'{"status":"queued"}\' };\n' +
    '};\n',
  deliver:
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\n" +
    "import { SQSClient } from '@aws-sdk/client-sqs';\n" +
    'export const sqs = new SQSClient({});\n' +
    'export const dynamodb = new DynamoDBClient({});\n' +
    'export const handler = async (event: { Records: unknown[] }) => ({ batchItemFailures: [] as unknown[], records: event.Records.length });\n',
};

/** The row name of a function's floor. */
export const floorName = (name: FunctionName) => `${name} floor`;

/** Fails loudly when the construct's bundling options drift from what this benchmark reproduces. */
function checkConstruct(): void {
  const text = readFileSync('infra/constructs/leadgate-function.ts', 'utf8');
  const expected = [
    'format: OutputFormat.CJS',
    'mainFields: [...BUNDLE_OPTIONS.mainFields]',
    'minify: BUNDLE_OPTIONS.minify',
    'sourceMap: true',
    'sourceMapMode: SourceMapMode.EXTERNAL',
    'sourcesContent: BUNDLE_OPTIONS.sourcesContent',
    'bundleAwsSDK: true',
    'externalModules: [LAZY_EXTERNAL]',
    "'--alias': Object.entries(lazyAliases())",
    "'--supported:dynamic-import': String(BUNDLE_OPTIONS.supported['dynamic-import'])",
    'buildLazyFiles(dir, projectRoot)',
    'runtime: Runtime.NODEJS_24_X',
  ];
  const missing = expected.filter((piece) => !text.includes(piece));
  if (missing.length > 0) {
    throw new Error(
      `LeadgateFunction.ts bundling changed; update bench/coldstart.ts: ${missing.join(' | ')}`,
    );
  }
}

/**
 * Bundles a function as the CDK did before (`esm`), or as it does now (`cjs`: CDK's
 * `OutputFormat.CJS`, `index.js`, no banner), where node builtins are `require`d instead of imported.
 * A function (not a floor) gets the construct's lazy files too: its lazy specifiers point at
 * `./lazy/<file>` (infra/bundling.ts), bundled next to `index.js`.
 */
async function bundle(
  name: FunctionName,
  outDir: string,
  format: 'esm' | 'cjs' = 'esm',
  entry: { file: string } | { contents: string } = { file: functions[name] },
) {
  const outfile = join(
    outDir,
    'file' in entry ? (format === 'esm' ? name : `${name}-cjs`) : `${name}-floor`,
    format === 'esm' ? 'index.mjs' : 'index.js',
  );
  const result = await build({
    ...('file' in entry
      ? { entryPoints: [resolve(entry.file)] }
      : {
          stdin: {
            contents: entry.contents,
            resolveDir: process.cwd(),
            sourcefile: `${name}-floor.ts`,
            loader: 'ts' as const,
          },
        }),
    ...('file' in entry
      ? indexBundleOptions()
      : { ...BUNDLE_OPTIONS, mainFields: [...BUNDLE_OPTIONS.mainFields], external: [] }),
    format,
    outfile,
    ...(format === 'esm' ? { banner: { js: ESM_REQUIRE_BANNER } } : {}),
    metafile: true,
    logLevel: 'silent',
  });
  const lazy = 'file' in entry && format === 'cjs' ? buildLazyFiles(dirname(outfile), process.cwd()) : [];
  return { outfile, metafile: result.metafile, lazy };
}

/** The init rows of the CommonJS bundles, as deployed since the change (`<function> as CJS`). */
export const cjsSuffix = ' as CJS (deployed)';

/** The inputs that weigh most in the output, one by one and grouped by npm package. */
function biggestInputs(metafile: Metafile, outfile: string, top = 12) {
  const output = Object.entries(metafile.outputs).find(
    ([path]) => outfile.endsWith(path.replace(/^.*\//, '')) && path.endsWith('.mjs'),
  );
  const inputs = output?.[1].inputs ?? {};
  const files = Object.entries(inputs)
    .map(([path, info]) => ({ path, bytes: info.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  const packages = new Map<string, number>();
  for (const { path, bytes } of files) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key =
      match?.[1] ??
      (path.startsWith('shared/') || path.startsWith('functions/') ? 'leadgate (own code)' : path);
    packages.set(key, (packages.get(key) ?? 0) + bytes);
  }
  return {
    files: files.slice(0, top),
    packages: [...packages]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, bytes]) => ({ name, bytes })),
    inputCount: files.length,
  };
}

/** A Lambda context for the first invocation (the fields Powertools reads). */
const contextSource =
  '{ functionName: "leadgate", functionVersion: "$LATEST", invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:leadgate",' +
  ' memoryLimitInMB: "512", awsRequestId: "cold-1", logGroupName: "/aws/lambda/leadgate", logStreamName: "cold",' +
  ' getRemainingTimeInMillis: () => 10000, callbackWaitsForEmptyEventLoop: false, done() {}, fail() {}, succeed() {} }';

/**
 * The first invocation after the import, which builds what the handler needs on its first request
 * (route table, source configs, the mapping of the source, the SQS client) and sends one message to
 * the stub SQS endpoint: capture takes a JSON form post to `demo-contact` (202), its floor sends the
 * same body; deliver and its floor take an empty SQS batch.
 */
const formBody = JSON.stringify({
  first_name: 'Ana',
  last_name: 'Ruiz',
  email: 'ana@example.com',
  company: 'Acme',
  message: 'Please call me.',
});
const captureFirstEvent =
  '{ version: "2.0", routeKey: "POST /v1/forms/{sourceId}", rawPath: "/v1/forms/demo-contact", rawQueryString: "",' +
  ' headers: { host: "leads.example.com", origin: "http://127.0.0.1:3000", "content-type": "application/json", accept: "application/json", "user-agent": "bench" },' +
  ` pathParameters: { sourceId: "demo-contact" }, isBase64Encoded: false, body: ${JSON.stringify(formBody)},` +
  ' requestContext: { accountId: "0", apiId: "x", domainName: "leads.example.com", domainPrefix: "leads", requestId: "r", routeKey: "POST /v1/forms/{sourceId}",' +
  ' stage: "$default", time: "", timeEpoch: 0, http: { method: "POST", path: "/v1/forms/demo-contact", protocol: "HTTP/1.1", sourceIp: "203.0.113.9", userAgent: "bench" } } }';
const firstEvents: Record<FunctionName, string> = {
  capture: captureFirstEvent,
  deliver: '{ Records: [] }',
};

/**
 * The probe a fresh process runs: times the import (and the first invocation) and prints JSON. Wall
 * time, and the main thread's CPU time (`process.threadCpuUsage`, since the thread started), which
 * other processes on a loaded machine disturb much less than wall time.
 */
function probeSource(target: string, first?: string): string {
  const cpu =
    'const cpuMs = () => { const used = process.threadCpuUsage(); return (used.user + used.system) / 1000; };\n';
  return (
    cpu +
    'const start = performance.now();\n' +
    `const module = await import(${JSON.stringify(pathToFileURL(target).href)});\n` +
    'const ready = performance.now();\n' +
    'const readyCpu = cpuMs();\n' +
    (first
      ? `const answer = await module.handler(${first}, ${contextSource});\nconst firstCall = performance.now() - ready;\n` +
        'const firstCallCpu = cpuMs() - readyCpu;\n' +
        'const status = answer?.statusCode ?? (Array.isArray(answer?.batchItemFailures) ? 200 : 0);\n'
      : 'const firstCall = 0;\nconst firstCallCpu = 0;\nconst status = 0;\n') +
    'const rss = process.memoryUsage().rss / 1048576;\n' +
    "process.stdout.write('\\n' + JSON.stringify({ import: ready - start, ready, readyCpu, firstCall, firstCallCpu, rss, status }) + '\\n');\n"
  );
}

/**
 * A stub SQS endpoint on loopback (AWS JSON 1.0 protocol): answers `SendMessage` and
 * `SendMessageBatch` with the MD5 the SDK checks, so a first call pays the SDK's whole first send
 * (credentials from the environment, signing, a connection) but no network beyond loopback.
 */
async function stubSqs() {
  let messages = 0;
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        MessageBody?: string;
        Entries?: { Id: string; MessageBody: string }[];
      };
      let answer: unknown;
      if (target.endsWith('.SendMessageBatch')) {
        messages += input.Entries?.length ?? 0;
        answer = {
          Successful: (input.Entries ?? []).map((entry) => ({
            Id: entry.Id,
            MessageId: randomUUID(),
            MD5OfMessageBody: md5(entry.MessageBody),
          })),
          Failed: [],
        };
      } else {
        messages++;
        answer = { MessageId: randomUUID(), MD5OfMessageBody: md5(input.MessageBody ?? '') };
      }
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages: () => messages,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/**
 * Single dependencies bundled alone with the same options, to see what dominates a bundle's init.
 * They overlap (every AWS client carries @smithy/core), so they do not add up to the whole.
 */
export const components: Record<string, string> = {
  'node:http as an ESM import (loads undici)': "export { request } from 'node:http';",
  'node:http through require (the banner)': "export const { request } = require('node:http');",
  zod: "import { z } from 'zod'; export const schema = z.object({ a: z.string() });",
  yaml: "export { parseDocument } from 'yaml';",
  '@aws-sdk/client-sqs': "export { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';",
  '@aws-sdk/client-secrets-manager':
    "export { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';",
  'powertools idempotency + DynamoDB':
    "export { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';\n" +
    "export { makeIdempotent } from '@aws-lambda-powertools/idempotency';",
  'powertools logger + metrics':
    "import { Logger } from '@aws-lambda-powertools/logger'; import { Metrics } from '@aws-lambda-powertools/metrics';\n" +
    "export const logger = new Logger(); export const metrics = new Metrics({ namespace: 'x' });",
  'middy + busboy + ulid':
    "export { default as middy } from '@middy/core'; export { default as busboy } from 'busboy'; export { ulid } from 'ulid';",
  'leadgate schemas (zod at module level)':
    "export * from '#shared/sources/schema.ts'; export * from '#shared/onpipeline/schema.ts'; export * from '#shared/envelope.ts';",
};

async function bundleComponent(name: string, contents: string, outfile: string) {
  await build({
    stdin: { contents, resolveDir: process.cwd(), sourcefile: `${name}.ts`, loader: 'ts' },
    bundle: true,
    target: 'node24',
    platform: 'node',
    format: 'esm',
    outfile,
    minify: true,
    sourcemap: 'external',
    sourcesContent: false,
    external: [],
    banner: { js: ESM_REQUIRE_BANNER },
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  return statSync(outfile).size;
}

interface InitTimes {
  importMs: Summary;
  readyMs: Summary;
  /** Main-thread CPU from the thread's start to handler ready. */
  readyCpuMs: Summary;
  firstCallMs: Summary;
  firstCallCpuMs: Summary;
  /** Resident memory after the import and the first call, MiB. */
  rssMiB: Summary;
}

interface Probe {
  file: string;
  /** The function it is (its floor, when this is a floor): which floor the ratios divide by. */
  fn?: FunctionName;
  floor?: boolean;
  env?: Record<string, string>;
}

interface Sample {
  import: number;
  ready: number;
  readyCpu: number;
  firstCall: number;
  firstCallCpu: number;
  rss: number;
  status: number;
}

async function measureOnce(probe: Probe, flags: string[], env: Record<string, string>) {
  const child = await runNode([...flags, probe.file], { env: { ...env, ...probe.env }, timeoutMs: 30_000 });
  if (child.code !== 0) throw new Error(`import failed: ${child.stderr.slice(0, 1500)}`);
  const line = child.stdout.trim().split('\n').at(-1) ?? '{}';
  return JSON.parse(line) as Sample;
}

/**
 * What goes into a function's package next to `index.js`, as the stack ships it: the source configs,
 * validated, as one JSON file in `sources/` (`SOURCES_DIR` points there; #shared/sources/bundle.ts).
 */
function packageSources(packageDir: string): string {
  const dir = join(packageDir, 'sources');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, SOURCES_BUNDLE_FILE), sourcesBundleText(loadSources('sources')));
  return dir;
}

/**
 * Extra packages to load side by side with the current tree (an A/B against an earlier commit):
 * `BENCH_COLDSTART_EXTRA=capture@before=/tmp/before/capture,deliver@before=/tmp/before/deliver`, each a
 * folder holding `index.js` (and `sources/`, read through `SOURCES_DIR`), built by an earlier tree
 * with this benchmark's `--keep=<dir>`.
 */
function extraPackages(): Record<string, Probe & { target: string }> {
  const spec = process.env.BENCH_COLDSTART_EXTRA ?? '';
  const extra: Record<string, Probe & { target: string }> = {};
  for (const item of spec.split(',').filter(Boolean)) {
    const [label, dir] = item.split('=') as [string, string];
    const fn = label.split('@')[0] as FunctionName;
    if (!(fn in functions))
      throw new Error(`BENCH_COLDSTART_EXTRA: ${label} must start with capture@ or deliver@`);
    extra[label] = {
      target: join(dir, 'index.js'),
      file: '',
      fn,
      env: existsSync(join(dir, 'sources')) ? { SOURCES_DIR: join(dir, 'sources') } : {},
    };
  }
  return extra;
}

/** One function against its floor, per round then summarised (ratios, and first call beyond the floor's). */
export interface FloorComparison {
  ready: Summary;
  readyCpu: Summary;
  firstCallExtraMs: Summary;
  firstCallExtraCpuMs: Summary;
  firstCallMs: Summary;
}

export async function runColdStartBench(runs = 25, options: { keep?: string; components?: boolean } = {}) {
  checkConstruct();
  const scratch = mkdtempSync(join(tmpdir(), 'leadgate-bench-bundle-'));
  const stub = await stubSqs();
  try {
    const empty = join(scratch, 'empty.mjs');
    writeFileSync(empty, '');
    const probes: Record<string, Probe> = { empty: { file: join(scratch, 'probe-empty.mjs') } };
    writeFileSync(probes.empty?.file as string, probeSource(empty));
    const bundles = {} as Record<
      FunctionName,
      {
        bytes: number;
        mapBytes: number;
        biggest: ReturnType<typeof biggestInputs>;
        floorBytes: number;
        /** The files loaded on first use (`lazy/`), bytes each. */
        lazy: Record<string, number>;
      }
    >;
    const addProbe = (label: string, target: string, probe: Omit<Probe, 'file'>, first?: string) => {
      const file = join(scratch, `probe-${Object.keys(probes).length}.mjs`);
      writeFileSync(file, probeSource(target, first));
      probes[label] = { ...probe, file };
    };
    for (const name of Object.keys(functions) as FunctionName[]) {
      // The metafile of the same code as ESM (the size and inputs are the same as the CJS bundle's).
      const { outfile, metafile } = await bundle(name, scratch);
      const floor = await bundle(name, scratch, 'cjs', { contents: floors[name] });
      const cjs = await bundle(name, scratch, 'cjs');
      const sourcesDir = packageSources(dirname(cjs.outfile));
      bundles[name] = {
        bytes: statSync(cjs.outfile).size,
        mapBytes: statSync(`${cjs.outfile}.map`).size,
        biggest: biggestInputs(metafile, outfile),
        floorBytes: statSync(floor.outfile).size,
        lazy: Object.fromEntries(cjs.lazy.map(({ file }) => [basename(file), statSync(file).size])),
      };
      addProbe(floorName(name), floor.outfile, { fn: name, floor: true }, firstEvents[name]);
      addProbe(
        `${name}${cjsSuffix}`,
        cjs.outfile,
        { fn: name, env: { SOURCES_DIR: sourcesDir } },
        firstEvents[name],
      );
      if (options.keep) {
        const kept = join(options.keep, name);
        mkdirSync(kept, { recursive: true });
        cpSync(dirname(cjs.outfile), kept, { recursive: true });
      }
    }
    for (const [label, extra] of Object.entries(extraPackages())) {
      addProbe(label, extra.target, extra, firstEvents[extra.fn as FunctionName]);
    }
    // What the functions' environment holds at init (no secret values; nothing is read at import),
    // plus the credentials Lambda puts in it, and the stub SQS endpoint for the first call's send.
    const env = {
      POWERTOOLS_SERVICE_NAME: 'leadgate',
      POWERTOOLS_METRICS_NAMESPACE: 'leadgate',
      LOG_LEVEL: 'INFO',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDBENCHCOLDSTART',
      AWS_SECRET_ACCESS_KEY: 'bench-cold-start-not-a-secret',
      AWS_SESSION_TOKEN: 'bench-session',
      AWS_ENDPOINT_URL_SQS: stub.url,
      LEADS_QUEUE_URL: `${stub.url}/000000000000/leads`,
      LEADS_DLQ_URL: `${stub.url}/000000000000/leads-dlq`,
      SECRETS_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:Leadgate/secrets',
      IDEMPOTENCY_TABLE: 'leadgate-idempotency',
      SOURCES_DIR: resolve('sources'),
      NODE_OPTIONS: '',
    };
    // As deployed: the stack sets --enable-source-maps in NODE_OPTIONS.
    const settings = { sourceMaps: ['--enable-source-maps'] };
    const samples: Record<string, Record<string, Sample[]>> = {};
    // Interleaved rounds (every module in each, floors next to their functions), so machine load
    // drifts hit all alike; a ratio is taken within each round and then summarised.
    for (let round = 0; round < runs; round++) {
      for (const [setting, flags] of Object.entries(settings)) {
        for (const [name, probe] of Object.entries(probes)) {
          const one = await measureOnce(probe, flags, env);
          if (probe.fn === 'capture' && one.status !== 202) {
            throw new Error(`${name}: the first call answered ${one.status}, not 202`);
          }
          const bySetting = samples[setting] ?? {};
          samples[setting] = bySetting;
          append(bySetting, name, one);
        }
      }
    }
    const init: Record<string, Record<string, InitTimes>> = {};
    /** Per round: ready / the floor's ready, and first call − the floor's first call. */
    const vsFloor: Record<string, Record<string, FloorComparison>> = {};
    for (const [setting, bySetting] of Object.entries(samples)) {
      init[setting] = Object.fromEntries(
        Object.entries(bySetting).map(([name, entry]) => [
          name,
          {
            importMs: summarize(entry.map((s) => s.import)),
            readyMs: summarize(entry.map((s) => s.ready)),
            readyCpuMs: summarize(entry.map((s) => s.readyCpu)),
            firstCallMs: summarize(entry.map((s) => s.firstCall)),
            firstCallCpuMs: summarize(entry.map((s) => s.firstCallCpu)),
            rssMiB: summarize(entry.map((s) => s.rss)),
          },
        ]),
      );
      vsFloor[setting] = {};
      for (const [name, probe] of Object.entries(probes)) {
        if (!probe.fn || probe.floor) continue;
        const own = bySetting[name] ?? [];
        const floor = bySetting[floorName(probe.fn)] ?? [];
        (vsFloor[setting] as Record<string, unknown>)[name] = {
          ready: summarize(own.map((s, round) => s.ready / (floor[round]?.ready ?? Number.NaN))),
          readyCpu: summarize(own.map((s, round) => s.readyCpu / (floor[round]?.readyCpu ?? Number.NaN))),
          firstCallExtraCpuMs: summarize(
            own.map((s, round) => s.firstCallCpu - (floor[round]?.firstCallCpu ?? Number.NaN)),
          ),
          firstCallExtraMs: summarize(
            own.map((s, round) => s.firstCall - (floor[round]?.firstCall ?? Number.NaN)),
          ),
          firstCallMs: summarize(own.map((s) => s.firstCall)),
        };
      }
    }
    // What dominates: each dependency alone (import time, same bundling, no source maps).
    const componentProbes: Record<string, { probe: Probe; bytes: number }> = {};
    let index = 0;
    for (const [name, contents] of Object.entries(options.components === false ? {} : components)) {
      const outfile = join(scratch, `component-${index}`, 'index.mjs');
      const bytes = await bundleComponent(name, contents, outfile);
      const probe = join(scratch, `probe-component-${index++}.mjs`);
      writeFileSync(probe, probeSource(outfile));
      componentProbes[name] = { probe: { file: probe }, bytes };
    }
    const componentSamples: Record<string, number[]> = {};
    const componentRounds = Object.keys(componentProbes).length > 0 ? Math.max(5, Math.round(runs / 3)) : 0;
    for (let round = 0; round < componentRounds; round++) {
      for (const [name, { probe }] of Object.entries(componentProbes)) {
        append(componentSamples, name, (await measureOnce(probe, [], env)).import);
      }
    }
    const dependencies = Object.entries(componentProbes).map(([name, { bytes }]) => ({
      name,
      bytes,
      importMs: summarize(componentSamples[name] ?? []),
    }));

    const ratios: Record<string, Record<string, number>> = {};
    for (const [setting, row] of Object.entries(init)) {
      const base = row.empty?.readyMs.median ?? Number.NaN;
      ratios[setting] = Object.fromEntries(
        Object.keys(row)
          .filter((name) => name !== 'empty')
          .map((name) => [name, (row[name]?.readyMs.median ?? Number.NaN) / base]),
      );
    }
    return {
      goalRatio: 1.5,
      goalFloorRatio: 1.15,
      goalFirstCallExtraMs: 10,
      runs,
      bundles,
      init,
      ratios,
      vsFloor,
      stubMessages: stub.messages(),
      dependencies,
    };
  } finally {
    await stub.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function printColdStart(result: Awaited<ReturnType<typeof runColdStartBench>>): void {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  for (const [name, info] of Object.entries(result.bundles)) {
    console.log(
      `${name}: index.js ${kb(info.bytes)} (map ${kb(info.mapBytes)}), ${info.biggest.inputCount} inputs; its floor ${kb(info.floorBytes)}`,
    );
    console.log(
      `  lazy/ (loaded on first use): ${Object.entries(info.lazy)
        .map(([file, bytes]) => `${file} ${kb(bytes)}`)
        .join(', ')}`,
    );
    console.log(`  by package: ${info.biggest.packages.map((p) => `${p.name} ${kb(p.bytes)}`).join(', ')}`);
    console.log(
      `  biggest files: ${info.biggest.files
        .slice(0, 6)
        .map((f) => `${f.path.replace(/^node_modules\//, '')} ${kb(f.bytes)}`)
        .join(', ')}`,
    );
  }
  console.log('dependencies alone (bundled the same way), import ms:');
  for (const dependency of result.dependencies) {
    console.log(
      `  ${dependency.name.padEnd(44)} ${kb(dependency.bytes).padStart(9)}  ${formatSummary(dependency.importMs)}`,
    );
  }
  for (const [setting, row] of Object.entries(result.init)) {
    console.log(`init (${setting}), ms, median of ${result.runs} fresh processes, interleaved:`);
    for (const [name, times] of Object.entries(row)) {
      const ratio = name === 'empty' ? '' : `  ${result.ratios[setting]?.[name]?.toFixed(2)}× empty`;
      const first =
        name === 'empty'
          ? `  rss ${times.rssMiB.median.toFixed(0)} MiB`
          : `  first call ${formatSummary(times.firstCallMs)}  rss ${times.rssMiB.median.toFixed(0)} MiB`;
      console.log(
        `  ${name.padEnd(28)} import ${formatSummary(times.importMs)}  ready ${formatSummary(times.readyMs)}${ratio}${first}`,
      );
    }
    console.log(
      `  against the floor (per round, then median and range; goals: ready ≤ ${result.goalFloorRatio}×, first call ≤ floor's + ${result.goalFirstCallExtraMs} ms):`,
    );
    for (const [name, floor] of Object.entries(result.vsFloor[setting] ?? {})) {
      console.log(
        `    ${name.padEnd(28)} ready ${formatSummary(floor.ready, 2)}× (CPU ${formatSummary(floor.readyCpu, 2)}×)  first call ${formatSummary(floor.firstCallMs)} = floor's + ${formatSummary(floor.firstCallExtraMs)} ms (CPU + ${formatSummary(floor.firstCallExtraCpuMs)} ms)`,
      );
    }
  }
  console.log(`stub SQS: ${result.stubMessages} messages`);
}

if (import.meta.main) {
  requireNode24();
  const runsArg = process.argv.find((arg) => arg.startsWith('--runs='));
  const keepArg = process.argv.find((arg) => arg.startsWith('--keep='));
  const result = report('coldstart', {
    machine: machine(),
    ...(await runColdStartBench(runsArg ? Number(runsArg.slice(7)) : 25, {
      ...(keepArg ? { keep: resolve(keepArg.slice(7)) } : {}),
      components: !process.argv.includes('--no-components'),
    })),
  });
  printColdStart(result);
}
