import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadPhoneRules } from '#shared/mapping/phone.ts';
import {
  collapseWhitespace,
  digitsOnly,
  splitName,
  titleCase,
  transformFunctions,
} from '#shared/mapping/transforms.ts';
import { transforms } from '#shared/sources/schema.ts';

/** The title rule written as one regular expression: the readable (slower) definition. */
const titleReference = (value: string): string =>
  value
    .toLowerCase()
    .replace(
      /(?<![\p{L}\p{N}\p{M}'’])(\p{L})(?:(['’])(\p{L})(?=\p{L}{2}))?/gu,
      (_match, first: string, quote?: string, second?: string) =>
        quote === undefined || second === undefined
          ? first.toUpperCase()
          : first.toUpperCase() + quote + second.toUpperCase(),
    );

/** Characters that stress the title and whitespace rules. */
const trickyChar = fc.constantFrom(
  'a',
  'Z',
  'é',
  'É',
  'ß',
  'İ',
  '\u0301',
  '3',
  ' ',
  '  ',
  '\t',
  '\n',
  '\u00a0',
  '\u2003',
  '\u3000',
  '\ufeff',
  '-',
  "'",
  '’',
  '.',
  '/',
  '+',
  '𝒜',
  '😀',
  '\ud800',
  'ǅ',
);
const trickyString = fc.oneof(
  fc.array(trickyChar, { maxLength: 12 }).map((chars) => chars.join('')),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

describe('transformFunctions', () => {
  it('has a function for every transform the schema allows', () => {
    // Assess
    expect(Object.keys(transformFunctions).sort()).toEqual([...transforms].sort());
  });

  it.each([
    ['trim', '  Mike  Smith ', 'Mike  Smith'],
    ['lower', 'MiKe@Example.COM', 'mike@example.com'],
    ['upper', 'es-md', 'ES-MD'],
    ['title', 'mARY aNN', 'Mary Ann'],
    ['digits', '+34 (600) 12-34-56', '+34600123456'],
    ['collapse', ' Calle  Mayor\n\t 5 ', 'Calle Mayor 5'],
  ] as const)('%s: %j → %j', (transform, input, expected) => {
    // Act
    const result = transformFunctions[transform](input);

    // Assess
    expect(result).toBe(expected);
  });

  it.each([
    ['+44 20 7946 0958', '+442079460958'],
    ['020 7946 0958', '020 7946 0958'], // national, and this entry knows no country: kept as typed
  ])('e164 (once the phone rules are loaded): %j → %j', async (input, expected) => {
    // Prepare
    await loadPhoneRules();

    // Act
    const result = transformFunctions.e164(input);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('titleCase', () => {
  it.each([
    ["o'neil-smith", "O'Neil-Smith"],
    ["O'NEIL", "O'Neil"],
    ["d'arcy", "D'Arcy"],
    ["l'oréal", "L'Oréal"],
    ['o’brien', 'O’Brien'],
    ['jean-luc picard', 'Jean-Luc Picard'],
    ['MARY ANN', 'Mary Ann'],
    ["don't stop", "Don't Stop"],
    ["i'll", "I'll"],
    ["rock'n'roll", "Rock'n'roll"],
    ['élodie éRIC', 'Élodie Éric'],
    ['3rd street', '3rd Street'],
    ['a.b. smith', 'A.B. Smith'],
    ['madrid/barcelona', 'Madrid/Barcelona'],
    ['  two  spaces ', '  Two  Spaces '],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    // Act
    const result = titleCase(input);

    // Assess
    expect(result).toBe(expected);
  });

  it('agrees with its regular-expression definition on any string', () => {
    // Assess
    fc.assert(
      fc.property(trickyString, (value) => {
        expect(titleCase(value)).toBe(titleReference(value));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('digitsOnly', () => {
  it.each([
    ['+34 600 12 34 56', '+34600123456'],
    ['  +1 (555) 010-9999', '+15550109999'],
    ['0034 600 123 456', '0034600123456'],
    ['600-123-456', '600123456'],
    ['(+34) 600', '34600'],
    ['1+2', '12'],
    ['+', ''],
    ['no digits', ''],
    ['٣٤٥', ''],
  ])('%j → %j', (input, expected) => {
    // Act
    const result = digitsOnly(input);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('collapseWhitespace', () => {
  it.each([
    ['  a  b  ', 'a b'],
    ['a\t\n b', 'a b'],
    ['a\u00a0\u00a0b', 'a b'],
    ['already clean', 'already clean'],
    [' \n ', ''],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    // Act
    const result = collapseWhitespace(input);

    // Assess
    expect(result).toBe(expected);
  });

  it('equals replacing whitespace runs and trimming, on any string', () => {
    // Assess
    fc.assert(
      fc.property(trickyString, (value) => {
        expect(collapseWhitespace(value)).toBe(value.replace(/\s+/g, ' ').trim());
      }),
      { numRuns: 3000 },
    );
  });
});

describe('splitName', () => {
  it.each([
    ['Mike Smith', 'Mike', 'Smith'],
    ['  Mary   Ann \n Smith  ', 'Mary', 'Ann Smith'],
    ['Madonna', 'Madonna', ''],
    ['  Madonna  ', 'Madonna', ''],
    ['', '', ''],
    ['   ', '', ''],
  ])('%j → first %j, last %j', (input, first, last) => {
    // Act
    const result = { first: splitName(input, 'first'), last: splitName(input, 'last') };

    // Assess
    expect(result).toEqual({ first, last });
  });
});

describe('titleCase: ASCII punctuation', () => {
  it('starts a word after each punctuation character around the ASCII letters', () => {
    // Act
    const result = titleCase('a{b|c}d~e[f`g@h');

    // Assess
    expect(result).toBe('A{B|C}D~E[F`G@H');
  });

  it('keeps words that start with the digits 0 or 9 lower case', () => {
    // Act
    const result = titleCase('0abc 9xyz 5th');

    // Assess
    expect(result).toBe('0abc 9xyz 5th');
  });
});
