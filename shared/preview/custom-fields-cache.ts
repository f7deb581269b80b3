import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { nameLookup } from '#shared/onpipeline/custom-fields.ts';
import { type CustomField, customFieldTables } from '#shared/onpipeline/schema.ts';
import type { SourceProblem } from '#shared/sources/errors.ts';
import type { Source } from '#shared/sources/schema.ts';
import { closestName } from '#shared/suggest.ts';

/**
 * The committed custom-field cache, `sources/custom-fields.json`: Onpipeline's custom fields of
 * Persons, Organizations and Deals as `leadgate fields pull` last read them. It resolves `name:`
 * custom fields for `leadgate sources preview`, `leadgate sources check` and the dashboard playground
 * without calling Onpipeline (deliver still asks Onpipeline itself).
 */
export const customFieldsCacheSchema = z.object({
  $comment: z.string().optional(),
  tables: z.object({
    Persons: z.array(z.object({ Name: z.string(), ID: z.string() })),
    Organizations: z.array(z.object({ Name: z.string(), ID: z.string() })),
    Deals: z.array(z.object({ Name: z.string(), ID: z.string() })),
  }),
});
export type CustomFieldsCache = z.infer<typeof customFieldsCacheSchema>;

const COMMENT =
  'Onpipeline custom fields (Persons, Organizations, Deals), written by `leadgate fields pull`. ' +
  'Resolves name: custom fields in previews. Do not edit by hand: pull again after changing fields.';

/**
 * Reads the cache; `undefined` when the file does not exist. Throws an `Error` naming the file when
 * it exists but is not a valid cache.
 */
export function readCustomFieldsCache(file: string): CustomFieldsCache | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`${file} is not valid JSON: run leadgate fields pull to write it again`);
  }
  const result = customFieldsCacheSchema.safeParse(parsed);
  if (!result.success) {
    throw new Error(`${file} is not a custom-field cache: run leadgate fields pull to write it again`);
  }
  return result.data;
}

/** The cache's text for a set of tables (stable: same fields, same text, so an unchanged pull is no diff). */
export function customFieldsCacheText(tables: CustomFieldsCache['tables']): string {
  const sorted = Object.fromEntries(
    customFieldTables.map((table) => [
      table,
      [...tables[table]]
        .map(({ Name, ID }) => ({ Name, ID }))
        .sort((a, b) => a.Name.localeCompare(b.Name) || a.ID.localeCompare(b.ID)),
    ]),
  );
  return `${JSON.stringify({ $comment: COMMENT, tables: sorted }, null, 2)}\n`;
}

/** Writes the cache; returns whether its content changed. */
export function writeCustomFieldsCache(file: string, tables: CustomFieldsCache['tables']): boolean {
  const text = customFieldsCacheText(tables);
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (before === text) return false;
  writeFileSync(file, text);
  return true;
}

/**
 * `name → ID` over the cache, exactly as deliver resolves names: case-insensitive, Persons before
 * Organizations before Deals.
 */
export function cacheLookup(cache: CustomFieldsCache): (name: string) => string | undefined {
  const all: CustomField[] = customFieldTables.flatMap((table) => cache.tables[table]);
  return nameLookup(all);
}

/** `ID → name` over the cache, to show custom fields by name next to their ID. */
export function cacheNamesById(cache: CustomFieldsCache): Map<string, string> {
  const names = new Map<string, string>();
  for (const table of customFieldTables) {
    for (const field of cache.tables[table]) if (!names.has(field.ID)) names.set(field.ID, field.Name);
  }
  return names;
}

/** A `name:` custom field the sources use, with the ids of the sources that use it. */
export interface NamedCustomField {
  /** As first written in the sources (trimmed); other spellings differ only in case. */
  name: string;
  sources: string[];
}

/**
 * Every `name:` custom field of the sources, once per name (names compare case-insensitively, as
 * deliver resolves them), in the order they first appear.
 */
export function namedCustomFields(sources: Iterable<Source>): NamedCustomField[] {
  const byKey = new Map<string, NamedCustomField>();
  for (const source of sources) {
    for (const extra of source.lead.Extra ?? []) {
      if (extra.name === undefined || extra.name.trim() === '') continue;
      const key = extra.name.trim().toLowerCase();
      const entry = byKey.get(key) ?? { name: extra.name.trim(), sources: [] };
      if (!entry.sources.includes(source.id)) entry.sources.push(source.id);
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()];
}

/**
 * The `name:` custom fields of the sources that the cache does not have, as problems with file, line
 * and path (for `leadgate sources check` and `leadgate fields pull`). Each says what to do: the
 * closest cached name when there is one that looks like a typo, else `leadgate fields push`.
 */
export function unknownCustomFieldNames(
  sources: Iterable<Source>,
  cache: CustomFieldsCache,
): SourceProblem[] {
  const lookup = cacheLookup(cache);
  const known = customFieldTables.flatMap((table) => cache.tables[table].map((field) => field.Name));
  const problems: SourceProblem[] = [];
  for (const source of sources) {
    const extras = source.lead.Extra ?? [];
    const missing = extras
      .map((extra, index) => ({ name: extra.name, index }))
      .filter((item): item is { name: string; index: number } => item.name !== undefined)
      .filter((item) => lookup(item.name) === undefined);
    if (missing.length === 0) continue;
    const lines = lineFinder(source.file);
    for (const { name, index } of missing) {
      const line = lines(['lead', 'Extra', index, 'name']);
      problems.push({
        file: source.file,
        path: `lead.Extra[${index}].name`,
        ...(line === undefined ? {} : { line }),
        message: `custom field "${name}" does not exist in Onpipeline (names known from the last leadgate fields pull): ${hint(name, known)}`,
      });
    }
  }
  return problems;
}

function hint(name: string, known: readonly string[]): string {
  const closest = closestName(name, known);
  return closest === undefined
    ? 'create it with leadgate fields push'
    : `did you mean "${closest}"? (or create "${name}" with leadgate fields push)`;
}

/** Finds the line of a path in a YAML file; `undefined` when the file or the path cannot be read. */
function lineFinder(file: string): (path: (string | number)[]) => number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return () => undefined;
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  return (path) => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? counter.linePos(node.range[0]).line : undefined;
  };
}
