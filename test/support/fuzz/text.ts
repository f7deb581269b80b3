import fc from 'fast-check';

/** Text and field names that have broken parsers before, and small helpers for arbitraries. */

/** Values that have broken parsers before: specials of JSON, forms, SQS and Unicode. */
export const nastyStrings = [
  '',
  ' ',
  '\u00a0',
  '\ufeff',
  '\u2028',
  'Zoë',
  'Müller',
  '😀',
  '\uFFFF',
  '\uFFFE',
  '\u0000',
  '\u0001',
  '\uD800',
  '\uDC00x',
  'a\r\nb',
  '%',
  '%zz',
  '%E0%A4%A',
  '+',
  '&',
  '=',
  '"',
  '\\',
  '[]',
  '__proto__',
  'constructor',
  '{{first_name}}',
  '$utm.campaign',
  '9007199254740993',
] as const;

export const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 2, arbitrary: fc.constantFrom(...nastyStrings) },
  // lone surrogates: what `unit: 'binary'` never makes
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)) },
);

export const prototypeKeys = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
] as const;

export const fieldName = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'first_name',
      'last_name',
      'name',
      'surname',
      'email',
      'phone',
      'company',
      'city',
      'country',
      'zip',
      'ref',
      'interests',
      'interests[]',
      '_gotcha',
      'utm_source',
      'utm_campaign',
      'gclid',
      'a.b',
      '',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom(...prototypeKeys, '__proto__[polluted]', 'constructor.prototype') },
  { weight: 2, arbitrary: text },
);

/** Percent-encodes any string's UTF-8 bytes (lone surrogates become U+FFFD, as a browser sends them). */
export function percentEncode(value: string, spaceAsPlus = false): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9*_.-]/.test(char)) out += char;
    else if (spaceAsPlus && byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `arbitrary` about once in `outOf` draws, else `undefined`. */
export function rarely<T>(arbitrary: fc.Arbitrary<T>, outOf = 8): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { weight: outOf - 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: arbitrary as fc.Arbitrary<T | undefined> },
  );
}
