import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sourcesFromEnvironment } from '#shared/sources/appconfig.ts';
import { readSourcesBundle, SOURCES_BUNDLE_FILE, sourcesBundleText } from '#shared/sources/bundle.ts';
import { loadSources } from '#shared/sources/loader.ts';

describe('the sources bundle the stack ships', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'leadgate-bundle-'));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back exactly the sources the loader validated', () => {
    // Prepare
    const loaded = loadSources('sources');
    writeFileSync(join(dir, SOURCES_BUNDLE_FILE), sourcesBundleText(loaded));

    // Act
    const read = readSourcesBundle(dir);

    // Assess
    expect(read).toEqual(loaded);
    expect(read?.get('demo-contact')?.lead.Email?.[0]?.type).toBe('work');
  });

  it('is absent from a folder of YAML files', () => {
    // Assess
    expect(readSourcesBundle('sources')).toBeUndefined();
  });

  it('refuses a file of another layout', () => {
    // Prepare
    writeFileSync(join(dir, SOURCES_BUNDLE_FILE), '{"sources":{}}');

    // Act & Assess
    expect(() => readSourcesBundle(dir)).toThrow(/not a leadgate sources bundle/);
  });

  it('serves a bundle at once, and a YAML folder after the first refresh', async () => {
    // Prepare
    writeFileSync(join(dir, SOURCES_BUNDLE_FILE), sourcesBundleText(loadSources('sources')));
    vi.stubEnv('SOURCES_DIR', dir);
    const bundled = sourcesFromEnvironment();
    vi.stubEnv('SOURCES_DIR', 'sources');
    const folder = sourcesFromEnvironment() as ReturnType<typeof sourcesFromEnvironment> & {
      refresh(): Promise<void>;
    };

    // Act & Assess
    expect(bundled.get('demo-contact')?.channel).toBe('form');
    expect(() => folder.get('demo-contact')).toThrow(/await refresh\(\) first/);
    await folder.refresh();
    expect(folder.get('demo-contact')?.channel).toBe('form');
  });
});
