import type { InputFields } from '#shared/envelope.ts';

export const utmKeys = ['source', 'medium', 'campaign', 'term', 'content'] as const;
/** Click ids of Google (`gclid`, and `gbraid`/`wbraid` on iOS), Meta, Microsoft, TikTok, LinkedIn. */
export const clickIdKeys = ['gclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid', 'ttclid', 'li_fat_id'] as const;

export interface RequestFacts {
  sourceId: string;
  receivedAt: string;
  ip?: string | undefined;
  userAgent?: string | undefined;
  referer?: string | undefined;
  /** The request's own query string parameters. */
  query?: Record<string, string | undefined> | undefined;
}

/**
 * Builds the flat `$` context of a lead: `ip`, `userAgent`, `referer`, `receivedAt`, `source`, and
 * `utm.*` / `click.*` taken from the first place that has them: the posted fields, the request's
 * query string, then the query string of the Referer (the landing page the visitor came from).
 *
 * @example
 * const context = requestContext({ sourceId: 'demo', receivedAt, referer: 'https://x.test/?utm_source=ads' }, {});
 * // context['utm.source'] → 'ads'
 */
export function requestContext(facts: RequestFacts, fields: InputFields): Record<string, string> {
  const context: Record<string, string> = { source: facts.sourceId, receivedAt: facts.receivedAt };
  if (facts.ip) context.ip = facts.ip;
  if (facts.userAgent) context.userAgent = truncate(facts.userAgent, 512);
  if (facts.referer) context.referer = truncate(facts.referer, 2048);
  const refererQuery = queryOf(facts.referer);
  const lookup = (name: string): string | undefined => {
    const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
    const fromField = Array.isArray(field) ? field.find((value) => value.trim() !== '') : field;
    const candidates = [fromField, facts.query?.[name], refererQuery?.get(name) ?? undefined];
    const found = candidates.find((value) => value !== undefined && value.trim() !== '')?.trim();
    return found === undefined ? undefined : truncate(found, 512);
  };
  for (const key of utmKeys) {
    const value = lookup(`utm_${key}`);
    if (value) context[`utm.${key}`] = value;
  }
  for (const key of clickIdKeys) {
    const value = lookup(key);
    if (value) context[`click.${key}`] = value;
  }
  return context;
}

function queryOf(url: string | undefined): URLSearchParams | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).searchParams;
  } catch {
    return undefined;
  }
}

/** Cuts a string to at most `max` UTF-16 units without splitting a surrogate pair. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
