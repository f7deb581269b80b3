import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BuildOptions, buildSync } from 'esbuild';

/**
 * How the functions are packaged: `index.js` (the handler and everything it needs at start) and, in
 * `lazy/`, one file per group of modules the handler loads only on first use. esbuild writes
 * CommonJS as one file (it splits code only for ES modules), so a dynamic `import()` inside
 * `index.js` defers a module's evaluation but not its compilation: every cold start would still
 * compile the YAML parser, zod and two SDK clients it never runs. Shipping them as files of their own
 * takes them out of what a cold start reads (docs/architecture.md, "Cold start").
 *
 * The source code keeps its ordinary specifiers (`await import('@aws-sdk/client-secrets-manager')`);
 * the bundle of `index.js` rewrites each one listed here to `./lazy/<file>` and leaves it external, and
 * `buildLazyFiles` bundles each file from the same specifiers. A module listed here must only be
 * imported dynamically by the functions' code (a static import would load it at start anyway), and
 * must hold no state the rest of the function shares (a lazy file carries its own copy of whatever it
 * imports): `test/infra/bundling.test.ts` checks both.
 */
export const LAZY_DIR = 'lazy';

/** Each lazy file and the specifiers it serves (all their exports). */
export const LAZY_FILES: Readonly<Record<string, readonly string[]>> = {
  // a published AppConfig document, validated with the source config schema (zod) and the YAML
  // loader's checks; a folder of YAML files (never on AWS: the package ships sources.json)
  'sources.js': ['#shared/sources/published.ts', '#shared/sources/loader.ts'],
  // the first secret read (webhook channels, CAPTCHA, partners)
  'secrets-manager.js': ['@aws-sdk/client-secrets-manager'],
  // the first AppConfig poll, only when the stack names a configuration profile
  'appconfigdata.js': ['@aws-sdk/client-appconfigdata'],
  // the first mapping that uses the e164 transform (libphonenumber-js and its metadata)
  'phone-rules.js': ['#shared/mapping/phone-rules.ts'],
  // the first multipart/form-data body (busboy)
  'multipart-parser.js': ['#shared/http/multipart-parser.ts'],
};

/** The bundling options `index.js` and the lazy files share (`NodejsFunction`'s, as the construct sets them). */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  sourcemap: 'external',
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // `import()` of a lazy file becomes `require`: a CommonJS function that imports one pays for Node's
  // ES module loader on first use (2–5 ms more than `require`, measured on lazy/secrets-manager.js)
  supported: { 'dynamic-import': false },
} as const satisfies BuildOptions;

/** `--alias` values for `index.js`: each lazy specifier → `./lazy/<file>` (kept external). */
export function lazyAliases(): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const [file, specifiers] of Object.entries(LAZY_FILES)) {
    for (const specifier of specifiers) aliases[specifier] = `./${LAZY_DIR}/${file}`;
  }
  return aliases;
}

/** The external pattern that keeps the rewritten specifiers out of `index.js`. */
export const LAZY_EXTERNAL = `./${LAZY_DIR}/*`;

/**
 * The esbuild options of a function's `index.js`: what the construct has `NodejsFunction` pass to
 * esbuild (`BUNDLE_OPTIONS`, the lazy specifiers rewritten to `lazy/` and kept out), for the code that
 * builds the same file itself (the cold-start benchmark, the bundling test).
 */
export function indexBundleOptions(): BuildOptions {
  return {
    ...BUNDLE_OPTIONS,
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    alias: lazyAliases(),
    external: [LAZY_EXTERNAL],
  };
}

/** The source of a lazy file's entry: every export of each of its specifiers. */
export function lazyEntrySource(specifiers: readonly string[]): string {
  return specifiers.map((specifier) => `export * from ${JSON.stringify(specifier)};\n`).join('');
}

/**
 * Bundles every lazy file into `<packageDir>/lazy/` with the functions' options (`projectRoot` resolves
 * the specifiers, as for `index.js`). Synchronous: the construct calls it while the stack is
 * synthesised. Returns the files written, with the metafile of each (what it holds).
 */
export function buildLazyFiles(packageDir: string, projectRoot: string) {
  const dir = join(packageDir, LAZY_DIR);
  mkdirSync(dir, { recursive: true });
  return Object.entries(LAZY_FILES).map(([file, specifiers]) => {
    const outfile = join(dir, file);
    const result = buildSync({
      ...BUNDLE_OPTIONS,
      stdin: {
        contents: lazyEntrySource(specifiers),
        resolveDir: projectRoot,
        sourcefile: `${LAZY_DIR}/${file.replace(/\.js$/, '.ts')}`,
        loader: 'ts',
      },
      outfile,
      metafile: true,
      logLevel: 'error',
    });
    return { file: outfile, specifiers, metafile: result.metafile };
  });
}
