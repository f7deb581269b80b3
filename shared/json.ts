import { HttpError } from '#shared/http/errors.ts';

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

/**
 * Reads a webhook body: strict UTF-8, exact integer ids (`parseJsonExact`), and a JSON object at the
 * top; anything else is a 400 `malformed_body` with the given wording.
 *
 * @example
 * const payload = readJsonObject(request.body, 'The body is not valid UTF-8 JSON.', 'The body must be a JSON object.');
 */
export function readJsonObject(body: Buffer, notJson: string, notObject: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseJsonExact(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new HttpError(400, 'malformed_body', notJson);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(400, 'malformed_body', notObject);
  }
  return parsed as Record<string, unknown>;
}
