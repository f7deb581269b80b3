import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLazyFiles, indexBundleOptions, LAZY_DIR, LAZY_FILES } from '#infra/bundling.ts';

/**
 * The functions' packages as the construct builds them (infra/bundling.ts): `index.js` with the lazy
 * specifiers pointing at `lazy/`, and the lazy files. Built in a folder outside the repository, as
 * in /var/task: no package.json above it decides how Node reads the files.
 */
const functions = { capture: 'functions/capture.ts', deliver: 'functions/deliver.ts' } as const;
/** The packages whose code only the lazy files may hold. */
const lazyOnlyPackages = [
  'zod',
  'yaml',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-appconfigdata',
  'busboy',
  'libphonenumber-js',
];
/**
 * The project's own modules a lazy file may carry a copy of: pure functions and constants. A module
 * with state the function shares (the logger and metrics, the secret cache, settings) must never be
 * copied into a lazy file: two copies would keep two states.
 */
const statelessOwnModules = [
  /^shared\/sources\/(errors|schema|channels|loader|published)\.ts$/,
  /^shared\/mapping\/[a-z-]+\.ts$/,
  /^shared\/onpipeline\/(fields|schema)\.ts$/,
  /^shared\/(suggest|zod-mini)\.ts$/,
  /^shared\/http\/multipart-parser\.ts$/,
];

let scratch: string;
const packages = {} as Record<keyof typeof functions, { dir: string; inputs: string[] }>;
let lazy: ReturnType<typeof buildLazyFiles> = [];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'leadgate-bundling-'));
  for (const [name, entry] of Object.entries(functions) as [keyof typeof functions, string][]) {
    const dir = join(scratch, name);
    const result = await build({
      ...indexBundleOptions(),
      entryPoints: [entry],
      outfile: join(dir, 'index.js'),
      metafile: true,
      logLevel: 'error',
    });
    lazy = buildLazyFiles(dir, process.cwd());
    packages[name] = { dir, inputs: Object.keys(result.metafile.inputs) };
  }
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Loads a package's `index.js` as Lambda does (CommonJS `require`) in a fresh Node; the lazy files it loaded. */
function lazyFilesLoadedAtStart(dir: string): string[] {
  const script =
    "const { createRequire } = require('node:module');" +
    `const load = createRequire(${JSON.stringify(join(dir, 'noop.js'))});` +
    `const loaded = load(${JSON.stringify(join(dir, 'index.js'))});` +
    "if (typeof loaded.handler !== 'function') throw new Error('no handler');" +
    `process.stdout.write(JSON.stringify(Object.keys(load.cache).filter((file) => file.includes('/${LAZY_DIR}/'))));`;
  const child = spawnSync(process.execPath, ['-e', script], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, AWS_REGION: 'us-east-1', SOURCES_DIR: join(process.cwd(), 'sources') },
  });
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as string[];
}

describe('the functions load their lazy files on first use only (docs/architecture.md, "Cold start")', () => {
  it.each(Object.keys(functions) as (keyof typeof functions)[])(
    '%s: index.js holds none of the lazily loaded packages and loads no lazy file at start',
    (name) => {
      // Arrange
      const { dir, inputs } = packages[name];

      // Act
      const loaded = lazyFilesLoadedAtStart(dir);

      // Assess
      const lazyPackagesInIndex = inputs.filter((input) =>
        lazyOnlyPackages.some((pkg) => input.includes(`node_modules/${pkg}/`)),
      );
      expect({ lazyPackagesInIndex, loaded }).toEqual({ lazyPackagesInIndex: [], loaded: [] });
      const text = readFileSync(join(dir, 'index.js'), 'utf8');
      // required, not imported: CommonJS pays for Node's ES module loader on an import()
      for (const file of Object.keys(LAZY_FILES)) expect(text).toContain(`require("./${LAZY_DIR}/${file}")`);
      expect(text).not.toContain(`import("./${LAZY_DIR}/`);
    },
  );

  it.each(Object.entries(LAZY_FILES))(
    'lazy/%s exports everything its specifiers export',
    async (file, specifiers) => {
      // Arrange
      const expected = new Set<string>();
      for (const specifier of specifiers) {
        for (const key of Object.keys((await import(specifier)) as object)) {
          // Node names a CommonJS module's whole exports `default` and `module.exports` in its namespace
          if (key !== 'default' && key !== 'module.exports') expected.add(key);
        }
      }

      // Act
      const exported = createRequire(join(scratch, 'noop.js'))(
        join(packages.capture.dir, LAZY_DIR, file),
      ) as object;

      // Assess
      expect(Object.keys(exported).sort()).toEqual([...expected].sort());
    },
  );

  it('lazy/phone-rules.js, loaded as the function loads it, rewrites a number to E.164', () => {
    // Act
    const rules = createRequire(join(scratch, 'noop.js'))(
      join(packages.deliver.dir, LAZY_DIR, 'phone-rules.js'),
    ) as { toE164: (value: string, country?: string) => string | undefined };

    // Assess
    expect([rules.toE164('020 7946 0958', 'GB'), rules.toE164('not a number')]).toEqual([
      '+442079460958',
      undefined,
    ]);
  });

  it('copies no module with shared state into a lazy file', () => {
    // Act
    const own = lazy.flatMap(({ metafile }) =>
      Object.keys(metafile.inputs).filter(
        (input) => !input.includes('node_modules/') && !input.startsWith(`${LAZY_DIR}/`),
      ),
    );

    // Assess
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((input) => !statelessOwnModules.some((pattern) => pattern.test(input)))).toEqual([]);
  });
});
