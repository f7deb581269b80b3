/**
 * `JSON.parse` that keeps integers exactly: an integer literal outside the safe range (ad networks'
 * int64 lead, page and form ids) becomes its exact digits as a string instead of a rounded number.
 * Uses the reviver's access to the source text (Node 21+).
 *
 * @example
 * parseJsonExact('{"id": 1234567890123456789}'); // { id: '1234567890123456789' }
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    if (
      typeof value === 'number' &&
      !Number.isSafeInteger(value) &&
      context?.source &&
      /^-?\d+$/.test(context.source)
    ) {
      return context.source;
    }
    return value;
  });
}

/** A JSON scalar as a string id: strings as they are, numbers in plain digits; undefined otherwise. */
export function idString(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value))
    return Number.isInteger(value) ? value.toFixed(0) : String(value);
  return undefined;
}
