import type { Transform } from '#shared/sources/schema.ts';

/**
 * The string steps of a value expression: the `transform` functions and the `part` split of a full
 * name. Every function is pure, total (never throws) and linear in the length of its input; the
 * regular expressions are built once, here, never per call.
 */

const whitespaceRun = /\s+/g;
const nonDigits = /[^0-9]/g;
/**
 * A letter that starts a word (nothing word-like before it: start, whitespace, hyphen, dot...), and
 * the letter after an apostrophe that directly follows a one-letter start when at least three letters
 * follow it: O'Neil, D'Arcy, L'Oréal, but I'll, I've, Don't stay as they are.
 */
const wordStart = /(?<![\p{L}\p{N}\p{M}'’])(\p{L})(?:(['’])(\p{L})(?=\p{L}{2}))?/gu;

/**
 * Collapses every run of whitespace (spaces, tabs, newlines, non-breaking spaces) to one space and
 * trims the ends.
 *
 * @example
 * collapseWhitespace('  Mike \n  Smith '); // 'Mike Smith'
 */
export function collapseWhitespace(value: string): string {
  return value.replace(whitespaceRun, ' ').trim();
}

/**
 * Title case: every word starts with a capital, the rest is lower case. Parts of a word after a hyphen
 * are words of their own, and a one-letter prefix with an apostrophe keeps the next letter capital.
 *
 * @example
 * titleCase("o'neil-smith"); // "O'Neil-Smith"
 * titleCase('MARY ANN'); // 'Mary Ann'
 */
export function titleCase(value: string): string {
  return value
    .toLowerCase()
    .replace(
      wordStart,
      (_match, first: string, apostrophe: string | undefined, second: string | undefined) =>
        apostrophe === undefined || second === undefined
          ? first.toUpperCase()
          : first.toUpperCase() + apostrophe + second.toUpperCase(),
    );
}

/**
 * Keeps the digits 0-9 only. A value that starts with `+` (after leading whitespace) keeps that one
 * leading `+`, so international phone numbers stay international. A value without any digit becomes ''.
 *
 * @example
 * digitsOnly('+34 (600) 12-34-56'); // '+34600123456'
 * digitsOnly('600 12 34 56'); // '600123456'
 */
export function digitsOnly(value: string): string {
  const digits = value.replace(nonDigits, '');
  if (digits === '') return '';
  return value.trimStart().startsWith('+') ? `+${digits}` : digits;
}

/**
 * The `transform` steps by name: `trim`, `lower`, `upper`, `title` ({@link titleCase}), `digits`
 * ({@link digitsOnly}) and `collapse` ({@link collapseWhitespace}).
 *
 * @example
 * transformFunctions.upper('es'); // 'ES'
 */
export const transformFunctions: Readonly<Record<Transform, (value: string) => string>> = {
  trim: (value) => value.trim(),
  lower: (value) => value.toLowerCase(),
  upper: (value) => value.toUpperCase(),
  title: titleCase,
  digits: digitsOnly,
  collapse: collapseWhitespace,
};

/**
 * Splits a full name (`part: first|last`). Whitespace is collapsed first; `first` is the first word and
 * `last` everything after it. A one-word name has that word as `first` and '' as `last`, so the
 * expression's `default` applies; an empty name gives '' for both.
 *
 * @example
 * splitName('  Mary   Ann  Smith ', 'first'); // 'Mary'
 * splitName('  Mary   Ann  Smith ', 'last'); // 'Ann Smith'
 * splitName('Madonna', 'last'); // ''
 */
export function splitName(value: string, part: 'first' | 'last'): string {
  const name = collapseWhitespace(value);
  const space = name.indexOf(' ');
  if (part === 'first') return space < 0 ? name : name.slice(0, space);
  return space < 0 ? '' : name.slice(space + 1);
}
