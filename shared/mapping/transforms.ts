import { toE164 } from '#shared/mapping/phone.ts';
import type { Transform } from '#shared/sources/schema.ts';

/**
 * The string steps of a value expression: the `transform` functions and the `part` split of a full
 * name. Every function is pure, total (never throws) and linear in the length of its input; the
 * regular expressions are built once, here, never per call.
 */

const whitespaceRun = /\s+/g;
/** Whether collapsing would change anything: a fast test, so clean values skip the replace. */
const collapsible = /\s\s|[^\S ]|^\s|\s$/;
const nonDigits = /[^0-9]/g;
const letter = /^\p{L}$/u;
const wordPart = /^[\p{L}\p{N}\p{M}]$/u;

const APOSTROPHE = 0x27;
const RIGHT_QUOTE = 0x2019; // ’

/** 0: not part of a word; 1: a letter; 2: part of a word but no letter (digit, mark, apostrophe). */
function classOf(char: string, code: number): 0 | 1 | 2 {
  if (code < 0x80) {
    if ((code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a)) return 1;
    return (code >= 0x30 && code <= 0x39) || code === APOSTROPHE ? 2 : 0;
  }
  if (letter.test(char)) return 1;
  return code === RIGHT_QUOTE || wordPart.test(char) ? 2 : 0;
}

/** The code point at `index` as a string (one or two UTF-16 units). */
function charAt(text: string, index: number): string {
  const code = text.charCodeAt(index);
  if (code < 0xd800 || code > 0xdbff) return text.charAt(index);
  const next = text.charCodeAt(index + 1);
  return next >= 0xdc00 && next <= 0xdfff ? text.slice(index, index + 2) : text.charAt(index);
}

/**
 * Collapses every run of whitespace (spaces, tabs, newlines, non-breaking spaces) to one space and
 * trims the ends.
 *
 * @example
 * collapseWhitespace('  Mike \n  Smith '); // 'Mike Smith'
 */
export function collapseWhitespace(value: string): string {
  return collapsible.test(value) ? value.replace(whitespaceRun, ' ').trim() : value;
}

/**
 * Title case: every word starts with a capital, the rest is lower case. Parts of a word after a hyphen
 * are words of their own, and a one-letter prefix with an apostrophe keeps the next letter capital.
 *
 * Precisely: the value is lower-cased, then a letter is capitalised when the character before it is
 * not a letter, digit, combining mark or apostrophe (' or ’): at the start, after whitespace, a hyphen,
 * a dot, a slash... The letter after an apostrophe that directly follows such a capitalised letter is
 * capitalised too when at least two more letters follow it: O'Neil, D'Arcy, L'Oréal, but I'll, I've,
 * Don't, Rock'n'roll stay as they are. Words starting with a digit stay lower case (3rd, 4x4).
 *
 * @example
 * titleCase("o'neil-smith"); // "O'Neil-Smith"
 * titleCase('MARY ANN'); // 'Mary Ann'
 */
export function titleCase(value: string): string {
  const text = value.toLowerCase();
  let result = '';
  let copied = 0; // text[copied..index] is still to be copied unchanged
  let previous: 0 | 1 | 2 = 0;
  for (let index = 0; index < text.length; ) {
    const char = charAt(text, index);
    const kind = classOf(char, char.charCodeAt(0));
    if (kind === 1 && previous === 0) {
      result += text.slice(copied, index) + char.toUpperCase();
      index += char.length;
      copied = index;
      // O'Neil: a one-letter start, an apostrophe, then a letter followed by at least two letters
      const quote = text.charCodeAt(index);
      if (quote === APOSTROPHE || quote === RIGHT_QUOTE) {
        const second = charAt(text, index + 1);
        const third = charAt(text, index + 1 + second.length);
        const fourth = charAt(text, index + 1 + second.length + third.length);
        if (
          second !== '' &&
          classOf(second, second.charCodeAt(0)) === 1 &&
          classOf(third, third.charCodeAt(0)) === 1 &&
          classOf(fourth, fourth.charCodeAt(0)) === 1
        ) {
          result += text.charAt(index) + second.toUpperCase();
          index += 1 + second.length;
          copied = index;
        }
      }
      previous = 1;
      continue;
    }
    previous = kind;
    index += char.length;
  }
  return copied === 0 ? text : result + text.slice(copied);
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
 * ({@link digitsOnly}), `collapse` ({@link collapseWhitespace}) and `e164` ({@link toE164}; this
 * entry knows no country, so only international numbers are rewritten: value expressions build
 * their own e164 step with their `defaultCountry`, see `expression.ts`; it throws until the phone
 * rules are loaded, see `loadPhoneRules` in `phone.ts`).
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
  e164: (value) => toE164(value) ?? value,
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
