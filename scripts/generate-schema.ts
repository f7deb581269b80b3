/**
 * Writes `sources/schema.json`, the JSON Schema of a source config, generated from the zod schema so
 * editors (VS Code's YAML extension and others) autocomplete and check `sources/*.yaml`.
 * `npm run schema` writes it; `npm run schema -- --check` fails when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sourceConfigSchema } from '#shared/sources/schema.ts';

const target = fileURLToPath(new URL('../sources/schema.json', import.meta.url));

/** The JSON Schema text for source configs, as committed. */
export function sourceJsonSchema(): string {
  const schema = z.toJSONSchema(sourceConfigSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'leadgate lead source config' }, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = sourceJsonSchema();
  if (process.argv.includes('--check')) {
    const current = readFileSync(target, 'utf8');
    if (current !== text) {
      console.error('sources/schema.json is out of date: run `npm run schema` and commit it.');
      process.exit(1);
    }
    console.log('sources/schema.json is current.');
  } else {
    writeFileSync(target, text);
    console.log(`wrote ${target}`);
  }
}
