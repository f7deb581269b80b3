import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonExact } from '#shared/json.ts';

/**
 * The reference: `JSON.parse` with a reviver that returns the source text of every integer literal
 * outside the safe range (what `parseJsonExact` promises, the way it was first written).
 */
function withReviver(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' &&
    !Number.isSafeInteger(value) &&
    context?.source !== undefined &&
    /^-?\d+$/.test(context.source)
      ? context.source
      : value,
  );
}

/** What a parse gives: its value, or that it threw. */
function outcome(parse: (text: string) => unknown, text: string): { value: unknown } | { threw: true } {
  try {
    return { value: parse(text) };
  } catch {
    return { threw: true };
  }
}

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^\\d{${min},${max}}$`));
/** Integers of every size, around 2^53 in particular, as JSON writes them (no leading zeros). */
const integerLiteral = fc.oneof(
  fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String),
  fc.bigInt({ min: -(2n ** 53n) - 3n, max: -(2n ** 53n) + 3n }).map(String),
  fc.bigInt({ min: 2n ** 53n - 3n, max: 2n ** 53n + 3n }).map(String),
  fc.constantFrom('0', '-0', '9999999999999999', '1000000000000000', '-1000000000000000000000'),
);
const numberLiteral = fc.oneof(
  integerLiteral,
  fc.tuple(integerLiteral, digits(1, 25)).map(([whole, fraction]) => `${whole}.${fraction}`),
  fc
    .tuple(integerLiteral, fc.constantFrom('e', 'E', 'e+', 'e-', 'E-'), digits(1, 20))
    .map(([whole, mark, exponent]) => `${whole}${mark}${exponent}`),
  fc
    .tuple(integerLiteral, digits(1, 20), fc.constantFrom('e', 'E-'), digits(1, 3))
    .map(([whole, fraction, mark, exponent]) => `${whole}.${fraction}${mark}${exponent}`),
);
/** Strings with long digit runs, quotes, backslashes and escapes inside. */
const stringLiteral = fc
  .oneof(
    fc.string(),
    fc.stringMatching(/^[0-9"\\ -]{0,40}$/),
    fc.tuple(fc.string({ maxLength: 3 }), digits(16, 25)).map(([head, run]) => `${head}${run}`),
  )
  .map((text) => JSON.stringify(text));
const space = fc.constantFrom('', ' ', '\n', '\t', ' \r\n ');

/** JSON texts whose object keys come from `key` (string literals for valid JSON). */
function jsonTexts(key: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      numberLiteral,
      stringLiteral,
      fc.constantFrom('true', 'false', 'null'),
      fc
        .array(fc.tuple(space, tie('value'), space), { maxLength: 5 })
        .map((items) => `[${items.map((parts) => parts.join('')).join(',')}]`),
      fc
        .array(fc.tuple(key, space, tie('value')), { maxLength: 5 })
        .map((members) => `{${members.map(([name, gap, value]) => `${name}:${gap}${value}`).join(',')}}`),
    ),
  })).value;
}
const jsonText = jsonTexts(stringLiteral);

describe('parseJsonExact', () => {
  it('keeps unsafe integers as their exact digits, and everything else as JSON.parse reads it', () => {
    // Act
    const parsed = parseJsonExact(
      '{"id":1234567890123456789,"neg":-9007199254740993,"safe":9007199254740991,"big":9007199254740992,' +
        '"float":1234567890123456789.5,"exp":12345678901234567e3,"text":"12345678901234567890","list":[90071992547409910]}',
    );

    // Assess
    expect(parsed).toEqual({
      id: '1234567890123456789',
      neg: '-9007199254740993',
      safe: 9007199254740991,
      big: '9007199254740992',
      float: Number('1234567890123456789.5'),
      exp: Number('12345678901234567e3'),
      text: '12345678901234567890',
      list: ['90071992547409910'],
    });
  });

  it('gives what JSON.parse with a source-text reviver gives, on any JSON text', () => {
    fc.assert(
      fc.property(space, jsonText, space, (before, text, after) => {
        // Act
        const document = `${before}${text}${after}`;

        // Assess
        expect(parseJsonExact(document)).toEqual(withReviver(document));
      }),
      { numRuns: 2000 },
    );
  });

  it('throws exactly when the reviver parse throws, on damaged JSON text', () => {
    // Prepare: JSON with a character cut out, or a character or a long digit run put in
    const damaged = fc
      .tuple(
        jsonText,
        fc.nat(),
        fc.oneof(fc.constantFrom('', '"', '\\', ':', ',', '[', '{', '}', ']', '-', '0'), digits(16, 22)),
      )
      .map(([text, at, insert]) => {
        const index = at % (text.length + 1);
        return insert === ''
          ? text.slice(0, index) + text.slice(index + 1)
          : text.slice(0, index) + insert + text.slice(index);
      });

    fc.assert(
      fc.property(damaged, (text) => {
        // Act & Assess
        expect(outcome(parseJsonExact, text)).toEqual(outcome(withReviver, text));
      }),
      { numRuns: 3000 },
    );
  });

  it('throws exactly when the reviver parse throws, with numbers where keys go', () => {
    fc.assert(
      fc.property(jsonTexts(fc.oneof(stringLiteral, integerLiteral)), (text) => {
        // Act & Assess
        expect(outcome(parseJsonExact, text)).toEqual(outcome(withReviver, text));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['a number where a key goes', '{12345678901234567890:1}'],
    ['a number key after a comma', '{"a":1,12345678901234567890:2}'],
    ['a leading zero', '[012345678901234567890]'],
    ['two values without a comma', '[1 12345678901234567890]'],
    ['a number after the top-level value', '{} 12345678901234567890'],
  ])('refuses %s, as JSON.parse does', (_case, text) => {
    // Act & Assess
    expect(() => parseJsonExact(text)).toThrow(SyntaxError);
    expect(() => withReviver(text)).toThrow(SyntaxError);
  });
});
