import type { InputFields } from '#shared/envelope.ts';

export const utmKeys = ['source', 'medium', 'campaign', 'term', 'content'] as const;
export const clickIdKeys = ['gclid', 'fbclid', 'msclkid'] as const;

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
  if (facts.userAgent) context.userAgent = facts.userAgent.slice(0, 512);
  if (facts.referer) context.referer = facts.referer.slice(0, 2048);
  const refererQuery = queryOf(facts.referer);
  const lookup = (name: string): string | undefined => {
    const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
    const fromField = Array.isArray(field) ? field.find((value) => value.trim() !== '') : field;
    const candidates = [fromField, facts.query?.[name], refererQuery?.get(name) ?? undefined];
    return candidates
      .find((value) => value !== undefined && value.trim() !== '')
      ?.trim()
      .slice(0, 512);
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
