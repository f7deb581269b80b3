import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * What a function loads at start (docs/architecture.md, "Cold start"): its bundle with the modules it
 * loads on first use left out, as esbuild builds it. The phone rules (libphonenumber-js and its
 * metadata) are among those: only a mapping that uses `e164` loads them.
 */

/** Modules the functions load on first use, through a dynamic import (or a client built on first use). */
const loadedOnFirstUse = [
  '#shared/mapping/phone-rules.ts',
  '#shared/sources/published.ts',
  '#shared/sources/loader.ts',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-appconfigdata',
];

async function startInputs(entry: string) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: loadedOnFirstUse,
  });
  const inputs = result.metafile.inputs;
  return {
    files: Object.keys(inputs),
    phoneRulesImports: Object.values(inputs)
      .flatMap((input) => input.imports)
      .filter((imported) => imported.path === '#shared/mapping/phone-rules.ts')
      .map((imported) => imported.kind),
  };
}

describe.each(['functions/capture.ts', 'functions/deliver.ts'])('%s at start', (entry) => {
  it('holds no libphonenumber-js, and reaches the phone rules only through a dynamic import', async () => {
    // Act
    const { files, phoneRulesImports } = await startInputs(entry);

    // Assess
    expect(files).toContain('shared/mapping/phone.ts');
    expect(files.filter((file) => file.includes('libphonenumber-js'))).toEqual([]);
    expect(phoneRulesImports).toEqual(['dynamic-import']);
  });
});
