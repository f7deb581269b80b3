import fc from 'fast-check';
import { fieldName, text } from '#test/support/fuzz/text.ts';

/** JSON leaves and values, including numbers JSON.parse would round and prototype keys. */
export const jsonLeaf = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('12345678901234567890123', '1e400', '-0', '1e-400').map((raw) => ({ raw })),
);
export type JsonLike =
  | string
  | number
  | boolean
  | null
  | { raw: string }
  | JsonLike[]
  | { [key: string]: JsonLike };

/** Writes JSON text; `{raw}` leaves are written verbatim (numbers JSON.stringify cannot produce). */
export function jsonText(value: unknown): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'raw' in value) {
    return String((value as { raw: unknown }).raw);
  }
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const jsonValue: fc.Arbitrary<JsonLike> = fc.letrec<{ value: JsonLike }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonLeaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fieldName, tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** A nested document `depth` levels deep, of objects or of arrays. */
export function deepJson(depth: number, shape: 'object' | 'array'): string {
  return shape === 'object'
    ? `${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}`
    : `{"a":${'['.repeat(depth)}"x"${']'.repeat(depth)}}`;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
