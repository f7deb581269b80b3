import { clickIdKeys, utmKeys } from '#shared/channels/common/context.ts';
import type { InputFields } from '#shared/envelope.ts';

/**
 * The attribution fields `GET /leadgate.js` adds to form posts (shared/attribution/script.ts), read
 * into the `$` context (docs/sources.md, "Attribution on every page"):
 *
 * | posted field | context |
 * |---|---|
 * | `lg_last_utm_<key>`, `lg_last_<click id>` | `utm.<key>`, `click.<click id>` (last touch wins over the old fallbacks) |
 * | `lg_last_landing`, `lg_last_referrer` | `landing`, `referrer` |
 * | `lg_first_…` (the same keys) | `first.utm.<key>`, `first.click.<click id>`, `first.landing`, `first.referrer` |
 *
 * The fields stay input fields like any other: the mapping may read them, and nothing unmapped is
 * sent to Onpipeline. Values are trimmed and cut (512 characters, 2048 for addresses); empty or
 * missing fields add nothing.
 */
const touches = [
  { field: 'lg_last_', context: '' },
  { field: 'lg_first_', context: 'first.' },
] as const;

/**
 * The context entries of a form post's attribution fields; merge them over `requestContext`'s.
 *
 * @example
 * attributionContext({ lg_first_utm_campaign: 'spring', lg_last_gclid: 'g-1' });
 * // { 'first.utm.campaign': 'spring', 'click.gclid': 'g-1' }
 */
export function attributionContext(fields: InputFields): Record<string, string> {
  const context: Record<string, string> = {};
  for (const touch of touches) {
    const put = (name: string, key: string, max: number) => {
      const value = firstValue(fields, `${touch.field}${name}`);
      if (value) context[`${touch.context}${key}`] = cut(value, max);
    };
    for (const key of utmKeys) put(`utm_${key}`, `utm.${key}`, 512);
    for (const key of clickIdKeys) put(key, `click.${key}`, 512);
    put('landing', 'landing', 2048);
    put('referrer', 'referrer', 2048);
  }
  return context;
}

function firstValue(fields: InputFields, name: string): string | undefined {
  if (!Object.hasOwn(fields, name)) return undefined;
  const value = fields[name];
  const found = Array.isArray(value) ? value.find((item) => item.trim() !== '') : value;
  const trimmed = found?.trim();
  return trimmed ? trimmed : undefined;
}

/** Cuts a string to at most `max` UTF-16 units without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
