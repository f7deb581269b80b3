import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeadgateStack } from '#infra/stack.ts';
import { SourceConfigError } from '#shared/sources/errors.ts';
import { loadSources } from '#shared/sources/loader.ts';

describe('LeadgateStack source configs', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'leadgate-sources-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails synth with the loader message when a source config is invalid', () => {
    // Prepare
    const sourcesDir = join(dir, 'invalid');
    mkdirSync(sourcesDir);
    const valid = readFileSync(join(import.meta.dirname, '../../sources/demo-contact.yaml'), 'utf8');
    writeFileSync(join(sourcesDir, 'good.yaml'), valid);
    writeFileSync(join(sourcesDir, 'broken.yaml'), 'channel: fax\nlead:\n  FirstName: first_name\n');
    const expected = (() => {
      try {
        loadSources(sourcesDir);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('the fixture should be invalid');
    })();

    // Act
    const synth = () =>
      new LeadgateStack(new App({ outdir: join(dir, 'out'), context: { sourcesDir } }), 'Invalid');

    // Assess
    expect(synth).toThrow(SourceConfigError);
    expect(synth).toThrow(expected);
    expect(expected).toMatch(/broken\.yaml:1 channel/);
  });

  it('fails synth when the sources folder does not exist', () => {
    // Prepare
    const context = { sourcesDir: join(dir, 'missing') };

    // Act
    const synth = () => new LeadgateStack(new App({ outdir: join(dir, 'out'), context }), 'Missing');

    // Assess
    expect(synth).toThrow(/folder not found/);
  });
});
