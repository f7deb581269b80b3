import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Source } from '#shared/sources/schema.ts';

/**
 * The source configs as the stack ships them to the functions: validated at synth by the loader
 * (`loadSources`, YAML and the config schema) and written as one JSON file of the parsed configs
 * (defaults applied), so a function reads them with `JSON.parse` alone: no YAML parser and no schema
 * in the Lambda package (docs/architecture.md, "Cold start"). The YAML files stay the format people
 * edit, and what the one-machine runtime and the CLI read.
 *
 * @example
 * writeFileSync(join(dir, SOURCES_BUNDLE_FILE), sourcesBundleText(loadSources('sources')));
 * const sources = readSourcesBundle(dir); // Map, or undefined when the folder has no bundle
 */
export const SOURCES_BUNDLE_FILE = 'sources.json';

/** What identifies the file's layout; a function refuses a bundle of another layout. */
const FORMAT = 'leadgate-sources/1';

interface SourcesBundle {
  format: typeof FORMAT;
  sources: Source[];
}

/** The bundle's text for validated sources (the output of `loadSources`). */
export function sourcesBundleText(sources: Map<string, Source>): string {
  const bundle: SourcesBundle = { format: FORMAT, sources: [...sources.values()] };
  return `${JSON.stringify(bundle)}\n`;
}

/**
 * The sources of `<dir>/sources.json`, or `undefined` when the folder has none (a folder of YAML
 * files). The file was validated when it was written (at synth); a file of another layout throws.
 */
export function readSourcesBundle(dir: string): Map<string, Source> | undefined {
  const file = join(dir, SOURCES_BUNDLE_FILE);
  if (!existsSync(file)) return undefined;
  const bundle = JSON.parse(readFileSync(file, 'utf8')) as Partial<SourcesBundle>;
  if (bundle.format !== FORMAT || !Array.isArray(bundle.sources)) {
    throw new Error(`${file} is not a leadgate sources bundle (${FORMAT}): synthesise the stack again`);
  }
  return new Map(bundle.sources.map((source) => [source.id, source]));
}
