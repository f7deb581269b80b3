import { HttpError } from '#shared/http/errors.ts';

/**
 * `JSON.parse` that keeps integers exactly: an integer literal outside the safe range (ad networks'
 * int64 lead, page and form ids) becomes its exact digits as a string instead of a rounded number.
 *
 * Same result as `JSON.parse` with a reviver that returns the source text of every unsafe integer
 * literal, at a third of the cost (a reviver with source text makes the parse about 5 × slower): the
 * unsafe integer literals outside strings are put in quotes, then the text is parsed as it is (text
 * without one is parsed unchanged).
 *
 * @example
 * parseJsonExact('{"id": 1234567890123456789}'); // { id: '1234567890123456789' }
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(quoteUnsafeIntegers(text));
}

const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const ONE = 0x31;
const NINE = 0x39;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
/** `previous` after a value (a number, a string, a literal). */
const VALUE = -1;

/**
 * `text` with every unsafe integer literal that stands where a JSON value goes (first, after `:`,
 * `[`, or `,` in an array) in quotes. The scan follows JSON's own tokens (strings end at the first
 * unescaped quote; a number is the whole run of number characters), so in valid JSON only number
 * values change, and a document that is not JSON stays invalid: a number where a key goes (the one
 * place that takes a string but no number) is left alone.
 */
function quoteUnsafeIntegers(text: string): string {
  const length = text.length;
  const containers: number[] = [];
  let previous = 0; // the last token outside strings: a bracket, `:`, `,`, VALUE, or 0 at the start
  let out = '';
  let copied = 0;
  let index = 0;
  while (index < length) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      index = afterString(text, index + 1);
      previous = VALUE;
    } else if (code === MINUS || (code >= ZERO && code <= NINE)) {
      let end = index + 1;
      while (end < length && isNumberChar(text.charCodeAt(end))) end++;
      const valuePosition =
        previous === 0 ||
        previous === COLON ||
        previous === OPEN_BRACKET ||
        (previous === COMMA && containers.at(-1) === OPEN_BRACKET);
      if (valuePosition && isUnsafeIntegerLiteral(text, index, end)) {
        out += `${text.slice(copied, index)}"${text.slice(index, end)}"`;
        copied = end;
      }
      index = end;
      previous = VALUE;
    } else {
      if (code === OPEN_BRACE || code === OPEN_BRACKET) containers.push(code);
      else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) containers.pop();
      if (code === COLON || code === COMMA || code === OPEN_BRACE || code === OPEN_BRACKET) previous = code;
      else if (code > 0x20) previous = VALUE; // a closing bracket, a letter of true/false/null, or junk
      index++;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** The index after the string whose content starts at `from` (its closing quote is not escaped). */
function afterString(text: string, from: number): number {
  let quote = text.indexOf('"', from);
  while (quote !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
  return text.length;
}

function isNumberChar(code: number): boolean {
  return (
    (code >= ZERO && code <= NINE) ||
    code === MINUS ||
    code === PLUS ||
    code === DOT ||
    (code | 0x20) === 0x65
  );
}

/** Whether `text[start, end)` is `-?[1-9][0-9]*` beyond `Number.MAX_SAFE_INTEGER` in size. */
function isUnsafeIntegerLiteral(text: string, start: number, end: number): boolean {
  const first = text.charCodeAt(start) === MINUS ? start + 1 : start;
  const digits = end - first;
  if (digits < MAX_SAFE_DIGITS.length) return false;
  const lead = text.charCodeAt(first);
  if (lead < ONE || lead > NINE) return false;
  for (let index = first + 1; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code < ZERO || code > NINE) return false;
  }
  return digits > MAX_SAFE_DIGITS.length || text.slice(first, end) > MAX_SAFE_DIGITS;
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

/**
 * Whether a parsed JSON value is an object (not null, not an array).
 *
 * @example
 * isRecord({ error: {} }); // true; isRecord([]) → false
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Parses a vendor's answer body, or `undefined` when it is not JSON (never throws). `parse` is
 * `parseJsonExact` (int64 ids kept exact) unless the caller wants plain `JSON.parse`; no body is `null`.
 *
 * @example
 * safeJson('{"error":{"code":190}}'); // { error: { code: 190 } }; safeJson('<html>') → undefined
 */
export function safeJson(
  text: string | undefined,
  parse: (text: string) => unknown = parseJsonExact,
): unknown {
  try {
    return parse(text ?? 'null');
  } catch {
    return undefined;
  }
}
