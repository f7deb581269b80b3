/**
 * Cold start: each function bundled exactly as the CDK bundles it (`infra/constructs/leadgate-function.ts`
 * → `NodejsFunction` → `esbuild --bundle <entry> --target=node24 --platform=node --format=esm
 * --outfile=index.mjs --minify --sourcemap=external --sources-content=false --banner:js=<require shim>
 * --main-fields=module,main`, no externals because `bundleAwsSDK: true`), then imported by fresh
 * `node` processes. Reported per bundle: its size, the biggest inputs (esbuild metafile), and the
 * module-init time against an empty module, as
 *
 * - `import`: `performance.now()` around `await import(bundle)` (the bundle's own load + top level);
 * - `ready`: `performance.now()` after the import, i.e. milliseconds since the process started (Node's
 *   bootstrap + the import): what a cold start waits for before the handler can run.
 *
 * Each is measured with and without `--enable-source-maps`, which the stack sets in `NODE_OPTIONS`.
 *
 *   npx node bench/coldstart.ts
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
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

/** Fails loudly when the construct's bundling options drift from what this benchmark reproduces. */
function checkConstruct(): void {
  const text = readFileSync('infra/constructs/leadgate-function.ts', 'utf8');
  const expected = [
    'format: OutputFormat.CJS',
    "mainFields: ['module', 'main']",
    'minify: true',
    'sourceMap: true',
    'sourceMapMode: SourceMapMode.EXTERNAL',
    'sourcesContent: false',
    'bundleAwsSDK: true',
    'externalModules: []',
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
 */
async function bundle(name: FunctionName, outDir: string, format: 'esm' | 'cjs' = 'esm') {
  const outfile = join(
    outDir,
    format === 'esm' ? name : `${name}-cjs`,
    format === 'esm' ? 'index.mjs' : 'index.js',
  );
  const result = await build({
    entryPoints: [resolve(functions[name])],
    bundle: true,
    target: 'node24',
    platform: 'node',
    format,
    outfile,
    minify: true,
    sourcemap: 'external',
    sourcesContent: false,
    external: [],
    ...(format === 'esm' ? { banner: { js: ESM_REQUIRE_BANNER } } : {}),
    mainFields: ['module', 'main'],
    metafile: true,
    logLevel: 'silent',
  });
  return { outfile, metafile: result.metafile };
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
 * The first invocation after the import, which builds the handler's dependencies (source configs
 * read, validated and compiled; AWS clients constructed) without any network call: capture answers
 * `GET /health`, deliver an empty SQS batch.
 */
const firstEvents: Record<string, string> = {
  capture:
    '{ version: "2.0", routeKey: "GET /health", rawPath: "/health", rawQueryString: "", headers: {}, isBase64Encoded: false,' +
    ' requestContext: { accountId: "0", apiId: "x", domainName: "x", domainPrefix: "x", requestId: "r", routeKey: "GET /health",' +
    ' stage: "$default", time: "", timeEpoch: 0, http: { method: "GET", path: "/health", protocol: "HTTP/1.1", sourceIp: "203.0.113.9", userAgent: "bench" } } }',
  deliver: '{ Records: [] }',
};

/** The probe a fresh process runs: times the import (and the first invocation) and prints JSON. */
function probeSource(target: string, first?: string): string {
  return (
    'const start = performance.now();\n' +
    `const module = await import(${JSON.stringify(pathToFileURL(target).href)});\n` +
    'const ready = performance.now();\n' +
    (first
      ? `await module.handler(${first}, ${contextSource});\nconst firstCall = performance.now() - ready;\n`
      : 'const firstCall = 0;\n') +
    'const rss = process.memoryUsage().rss / 1048576;\n' +
    "process.stdout.write('\\n' + JSON.stringify({ import: ready - start, ready, firstCall, rss }) + '\\n');\n"
  );
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
  firstCallMs: Summary;
  /** Resident memory after the import and the first call, MiB. */
  rssMiB: Summary;
}

async function measureOnce(probe: string, flags: string[], env: Record<string, string>) {
  const child = await runNode([...flags, probe], { env, timeoutMs: 30_000 });
  if (child.code !== 0) throw new Error(`import failed: ${child.stderr.slice(0, 1500)}`);
  const line = child.stdout.trim().split('\n').at(-1) ?? '{}';
  return JSON.parse(line) as { import: number; ready: number; firstCall: number; rss: number };
}

export async function runColdStartBench(runs = 25) {
  checkConstruct();
  const scratch = mkdtempSync(join(tmpdir(), 'leadgate-bench-bundle-'));
  try {
    const empty = join(scratch, 'empty.mjs');
    writeFileSync(empty, '');
    const probes: Record<string, string> = { empty: join(scratch, 'probe-empty.mjs') };
    writeFileSync(probes.empty as string, probeSource(empty));
    const bundles = {} as Record<
      FunctionName,
      { bytes: number; mapBytes: number; biggest: ReturnType<typeof biggestInputs> }
    >;
    for (const name of Object.keys(functions) as FunctionName[]) {
      const { outfile, metafile } = await bundle(name, scratch);
      bundles[name] = {
        bytes: statSync(outfile).size,
        mapBytes: statSync(`${outfile}.map`).size,
        biggest: biggestInputs(metafile, outfile),
      };
      probes[name] = join(scratch, `probe-${name}.mjs`);
      writeFileSync(probes[name] as string, probeSource(outfile, firstEvents[name]));
      const cjs = await bundle(name, scratch, 'cjs');
      const cjsName = `${name}${cjsSuffix}`;
      probes[cjsName] = join(scratch, `probe-${name}-cjs.mjs`);
      writeFileSync(probes[cjsName] as string, probeSource(cjs.outfile, firstEvents[name]));
    }
    // What the functions' environment holds at init (no secret values; nothing is read at import).
    const env = {
      POWERTOOLS_SERVICE_NAME: 'leadgate',
      POWERTOOLS_METRICS_NAMESPACE: 'leadgate',
      LOG_LEVEL: 'INFO',
      AWS_REGION: 'us-east-1',
      LEADS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/leads',
      LEADS_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/leads-dlq',
      SECRETS_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:Leadgate/secrets',
      IDEMPOTENCY_TABLE: 'leadgate-idempotency',
      SOURCES_DIR: resolve('sources'),
      NODE_OPTIONS: '',
    };
    const settings = { plain: [] as string[], sourceMaps: ['--enable-source-maps'] };
    type Samples = { imports: number[]; readies: number[]; firsts: number[]; rss: number[] };
    const samples: Record<string, Record<string, Samples>> = {};
    // Interleaved rounds (every setting and module in each), so machine load drifts hit all alike.
    for (let round = 0; round < runs; round++) {
      for (const [setting, flags] of Object.entries(settings)) {
        for (const [name, probe] of Object.entries(probes)) {
          const one = await measureOnce(probe, flags, env);
          const bySetting = samples[setting] ?? {};
          samples[setting] = bySetting;
          const entry = bySetting[name] ?? { imports: [], readies: [], firsts: [], rss: [] };
          bySetting[name] = entry;
          entry.imports.push(one.import);
          entry.readies.push(one.ready);
          entry.firsts.push(one.firstCall);
          entry.rss.push(one.rss);
        }
      }
    }
    const init: Record<string, Record<string, InitTimes>> = {};
    for (const [setting, bySetting] of Object.entries(samples)) {
      init[setting] = Object.fromEntries(
        Object.entries(bySetting).map(([name, entry]) => [
          name,
          {
            importMs: summarize(entry.imports),
            readyMs: summarize(entry.readies),
            firstCallMs: summarize(entry.firsts),
            rssMiB: summarize(entry.rss),
          },
        ]),
      );
    }
    // What dominates: each dependency alone (import time, same bundling, no source maps).
    const componentProbes: Record<string, { probe: string; bytes: number }> = {};
    let index = 0;
    for (const [name, contents] of Object.entries(components)) {
      const outfile = join(scratch, `component-${index}`, 'index.mjs');
      const bytes = await bundleComponent(name, contents, outfile);
      const probe = join(scratch, `probe-component-${index++}.mjs`);
      writeFileSync(probe, probeSource(outfile));
      componentProbes[name] = { probe, bytes };
    }
    const componentSamples: Record<string, number[]> = {};
    for (let round = 0; round < Math.max(5, Math.round(runs / 2)); round++) {
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
    return { goalRatio: 1.5, runs, bundles, init, ratios, dependencies };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function printColdStart(result: Awaited<ReturnType<typeof runColdStartBench>>): void {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  for (const [name, info] of Object.entries(result.bundles)) {
    console.log(
      `${name}: index.mjs ${kb(info.bytes)} (map ${kb(info.mapBytes)}), ${info.biggest.inputCount} inputs`,
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
    console.log(`init (${setting}), ms, median of ${result.runs} fresh processes:`);
    for (const [name, times] of Object.entries(row)) {
      const ratio =
        name === 'empty' ? '' : `  ready ratio ${result.ratios[setting]?.[name]?.toFixed(2)}× empty`;
      const first =
        name === 'empty'
          ? `  rss ${times.rssMiB.median.toFixed(0)} MiB`
          : `  first call ${formatSummary(times.firstCallMs)}  rss ${times.rssMiB.median.toFixed(0)} MiB`;
      console.log(
        `  ${name.padEnd(8)} import ${formatSummary(times.importMs)}  ready ${formatSummary(times.readyMs)}${ratio}${first}`,
      );
    }
  }
}

if (import.meta.main) {
  requireNode24();
  const result = report('coldstart', { machine: machine(), ...(await runColdStartBench()) });
  printColdStart(result);
}
