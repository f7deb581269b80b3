import { loadSources } from '#shared/sources/loader.ts';
import type { Source } from '#shared/sources/schema.ts';

/**
 * The lead sources a function serves. Loaded and validated once at start (an invalid config fails
 * start-up, as it fails `cdk synth`). On one machine, `local/live-sources.ts` implements the same
 * interface and follows the folder while leadgate runs.
 *
 * @example
 * const sources = sourceRegistry('sources');
 * const source = sources.get('demo-contact');
 */
export interface SourceRegistry {
  get(id: string): Source | undefined;
  all(): Source[];
}

export function sourceRegistry(dir: string): SourceRegistry {
  const sources = loadSources(dir);
  return {
    get: (id) => sources.get(id),
    all: () => [...sources.values()],
  };
}
