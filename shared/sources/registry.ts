import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem } from '#shared/sources/errors.ts';
import { checkSources, loadSources } from '#shared/sources/loader.ts';
import type { Source } from '#shared/sources/schema.ts';
import { logger } from '#shared/telemetry.ts';

/**
 * The lead sources a function serves. Loaded and validated once at start (an invalid config fails
 * start-up, as it fails `cdk synth`). With `reload: true` (the one-machine runtime) it notices edited
 * files within a second and swaps in the new configs; an edit that does not validate is logged and
 * ignored, so the last good config keeps serving.
 *
 * @example
 * const sources = sourceRegistry('sources');
 * const source = sources.get('demo-contact');
 */
export interface SourceRegistry {
  get(id: string): Source | undefined;
  all(): Source[];
}

export function sourceRegistry(dir: string, options: { reload?: boolean } = {}): SourceRegistry {
  let sources = loadSources(dir);
  let signature = options.reload ? folderSignature(dir) : '';
  let checkedAt = Date.now();
  const current = () => {
    if (!options.reload || Date.now() - checkedAt < 1000) return sources;
    checkedAt = Date.now();
    const next = folderSignature(dir);
    if (next === signature) return sources;
    signature = next;
    const checked = checkSources(dir);
    if (checked.problems.length > 0) {
      logger.error('source config change rejected; the previous config stays in use', {
        problems: checked.problems.map(formatProblem),
      });
    } else {
      sources = checked.sources;
      logger.info('source configs reloaded', { sources: [...sources.keys()] });
    }
    return sources;
  };
  return {
    get: (id) => current().get(id),
    all: () => [...current().values()],
  };
}

function folderSignature(dir: string): string {
  try {
    return readdirSync(dir)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => {
        const stat = statSync(join(dir, name));
        return `${name}:${stat.mtimeMs}:${stat.size}`;
      })
      .join('|');
  } catch {
    return '';
  }
}
