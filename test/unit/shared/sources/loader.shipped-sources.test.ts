import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sourceJsonSchema } from '#scripts/generate-schema.ts';
import { loadSources } from '#shared/sources/loader.ts';

describe('the shipped sources/ folder', () => {
  it('holds only valid source configs', () => {
    // Act
    const sources = loadSources('sources');

    // Assess
    expect(sources.size).toBeGreaterThan(0);
    expect(sources.get('demo-contact')?.channel).toBe('form');
  });

  it('has an editor JSON Schema that matches the zod schema (run `npm run schema` when this fails)', () => {
    expect(readFileSync('sources/schema.json', 'utf8')).toBe(sourceJsonSchema());
  });
});
