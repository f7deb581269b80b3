import type { Source } from '#shared/sources/schema.ts';
import { logger } from '#shared/telemetry.ts';

/**
 * The one routing tie-break of the webhook channels (Meta, LinkedIn, TikTok): when several sources
 * claim one lead (same page, form or advertiser), the first by source id (code-unit order, the same in
 * every locale) wins, and a warning names them all.
 *
 * @example
 * firstById(specificSources, 'linkedin')?.id;
 */
export function firstById(candidates: readonly Source[], channel: string): Source | undefined {
  if (candidates.length > 1) {
    logger.warn('several sources match one lead: the first by id wins', {
      channel,
      sourceIds: candidates.map((source) => source.id),
    });
  }
  return [...candidates].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];
}
