import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { InputFields } from '#shared/envelope.ts';
import { parseBody } from '#shared/http/body.ts';
import { HttpError } from '#shared/http/errors.ts';
import { limits } from '#shared/http/limits.ts';
import { fuzzBody, multipartBody } from '#test/support/fuzz/bodies.ts';
import { jsonText } from '#test/support/fuzz/json.ts';
import { percentEncode } from '#test/support/fuzz/text.ts';
import { within } from '#test/support/fuzz/watch.ts';

const URLENCODED = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const BOUNDARY = '----leadgateFuzzBoundary0123456789';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

/** Every code parseBody may reject with, and its status. */
const rejections: Record<string, number> = {
  malformed_body: 400,
  too_many_fields: 400,
  too_many_values: 400,
  field_too_long: 400,
  field_name_too_long: 400,
  too_deep: 400,
  unsupported_media_type: 415,
};

type Outcome = { ok: true; fields: InputFields; droppedFiles: string[] } | { ok: false; error: unknown };

async function parse(contentType: string | undefined, body: Buffer): Promise<Outcome> {
  try {
    const parsed = await within(5000, parseBody(contentType, body), 'parseBody');
    return { ok: true, ...parsed };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The problems of parsed fields against the documented limits and shape (none: well-formed). */
function fieldProblems(fields: InputFields): string[] {
  const problems: string[] = [];
  if (Object.getPrototypeOf(fields) !== null) problems.push('fields have a prototype');
  let count = 0;
  for (const name of Object.keys(fields)) {
    const value = fields[name];
    if (name === '') problems.push('empty field name');
    if (name.length > limits.maxFieldNameLength) problems.push(`name of ${name.length} characters`);
    const values = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(values) || values.some((item) => typeof item !== 'string')) {
      problems.push(`${name} is not a string or a list of strings`);
      continue;
    }
    if (Array.isArray(value) && (value.length < 2 || value.length > limits.maxValuesPerField)) {
      problems.push(`${name} has a list of ${value.length}`);
    }
    for (const item of values)
      if (item.length > limits.maxFieldValueLength) problems.push(`${name} too long`);
    count += values.length;
  }
  if (count > limits.maxFields) problems.push(`${count} values`);
  return problems;
}

afterEach(() => {
  // no parse may ever reach Object.prototype
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

describe('parseBody: any content type, any bytes', () => {
  const anyContentType = fc.oneof(
    fc.constantFrom(
      URLENCODED,
      JSON_TYPE,
      MULTIPART,
      'multipart/form-data',
      'text/plain',
      'APPLICATION/JSON;x=y',
    ),
    fc.string({ maxLength: 40 }),
    fc.constant(undefined),
  );
  const input = fc.oneof(
    { weight: 4, arbitrary: fuzzBody('form') },
    {
      weight: 1,
      arbitrary: fc
        .tuple(anyContentType, fc.uint8Array({ maxLength: 300 }))
        .map(([contentType, bytes]) => ({ kind: 'bytes', contentType, body: Buffer.from(bytes) })),
    },
  );

  it('resolves well-formed fields within the limits, or rejects with a documented 400/415', async () => {
    await fc.assert(
      fc.asyncProperty(input, async ({ contentType, body }) => {
        // Act
        const outcome = await parse(contentType, body);

        // Assess
        if (outcome.ok) {
          expect(fieldProblems(outcome.fields)).toEqual([]);
        } else {
          expect(outcome.error).toBeInstanceOf(HttpError);
          const error = outcome.error as HttpError;
          expect(rejections[error.code], `code ${error.code}`).toBe(error.status);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('parseBody: what a browser or a client sends comes back as sent', () => {
  /**
   * Names a client can send in every encoding: no lone surrogates (not UTF-8), no `"` (browsers send
   * %22 in multipart), no control characters (not allowed in a multipart header).
   */
  const name = fc
    .oneof(
      fc.constantFrom(
        'first_name',
        'email',
        'a.b',
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'Zoë',
      ),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
    )
    .filter(
      (candidate) =>
        ![...candidate].some((char) => char === '"' || char.charCodeAt(0) < 0x20 || char === '\u007f') &&
        !candidate.endsWith('[]') &&
        candidate.trim() !== '',
    );
  const value = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom('', ' ', 'Müller', '😀', '+34 600 000 000', 'a=b&c=d', '%41', '{"x":1}', '\uFFFF'),
  );
  const lead = fc.uniqueArray(fc.tuple(name, fc.array(value, { minLength: 1, maxLength: 4 })), {
    selector: ([key]) => key,
    maxLength: 10,
  });

  const encoders = {
    urlencoded: (entries: [string, string[]][]) => ({
      contentType: URLENCODED,
      body: Buffer.from(
        entries
          .flatMap(([key, values]) =>
            values.map((item) => `${percentEncode(key)}=${percentEncode(item, true)}`),
          )
          .join('&'),
      ),
    }),
    multipart: (entries: [string, string[]][]) => ({
      contentType: MULTIPART,
      body: multipartBody(
        BOUNDARY,
        entries.flatMap(([key, values]) => values.map((item) => ({ name: key, value: item }))),
      ),
    }),
    json: (entries: [string, string[]][]) => ({
      contentType: JSON_TYPE,
      body: Buffer.from(
        jsonText(
          Object.fromEntries(entries.map(([key, values]) => [key, values.length === 1 ? values[0] : values])),
        ),
      ),
    }),
  };

  it.each(Object.keys(encoders) as (keyof typeof encoders)[])(
    '%s: every field, value and repeat survives',
    async (encoding) => {
      await fc.assert(
        fc.asyncProperty(lead, async (entries) => {
          // Prepare
          const { contentType, body } = encoders[encoding](entries);
          const expected: InputFields = Object.create(null);
          for (const [key, values] of entries)
            expected[key] = values.length === 1 ? (values[0] as string) : values;

          // Act
          const outcome = await parse(contentType, body);

          // Assess
          expect(outcome.ok, String(!outcome.ok && outcome.error)).toBe(true);
          if (outcome.ok) {
            expect(Object.getPrototypeOf(outcome.fields)).toBeNull();
            expect({ ...outcome.fields }).toEqual({ ...expected });
            expect(Object.keys(outcome.fields)).toEqual(Object.keys(expected));
          }
        }),
        { numRuns: 400 },
      );
    },
  );

  it.each([
    [
      'urlencoded',
      URLENCODED,
      '__proto__[polluted]=1&__proto__=x&constructor[prototype][polluted]=1&constructor.prototype.polluted=1',
    ],
    [
      'json',
      JSON_TYPE,
      '{"__proto__":{"polluted":"1"},"constructor":{"prototype":{"polluted":"1"}},"a":{"__proto__":{"polluted":"1"}}}',
    ],
  ])(
    '%s: prototype keys are plain field names, never a way into Object.prototype',
    async (_encoding, contentType, body) => {
      // Act
      const outcome = await parse(contentType, Buffer.from(body));

      // Assess
      expect(outcome.ok).toBe(true);
      if (outcome.ok) {
        expect(Object.getPrototypeOf(outcome.fields)).toBeNull();
        expect(Object.keys(outcome.fields).length).toBeGreaterThan(0);
      }
    },
  );
});

describe('parseBody: file parts', () => {
  it('lists every dropped file part by its name, a string even when the name is empty', async () => {
    // Prepare
    const body = multipartBody(BOUNDARY, [
      { name: 'cv', filename: 'cv.pdf', value: '%PDF' },
      { name: '', filename: 'photo.png', value: 'PNG' },
      { name: 'first_name', value: 'Zoë' },
    ]);

    // Act
    const outcome = await parse(MULTIPART, body);

    // Assess
    expect(outcome.ok).toBe(true);
    if (outcome.ok) {
      expect({ ...outcome.fields }).toEqual({ first_name: 'Zoë' });
      expect(outcome.droppedFiles).toEqual(['cv', '']);
    }
  });
});

describe('parseBody: the documented limits, at and just over each one', () => {
  type Limit = 'fields' | 'value length' | 'name length' | 'values per field' | 'json depth';
  /** Pairs at the limit (`over` = 0) or one over it (`over` = 1). */
  const pairsFor = (limit: Limit, over: 0 | 1, char: string): [string, string][] => {
    switch (limit) {
      case 'fields':
        return Array.from({ length: limits.maxFields + over }, (_, index) => [`f${index}`, 'v']);
      case 'value length':
        return [['message', char.repeat(limits.maxFieldValueLength + over)]];
      case 'name length':
        return [[char.repeat(limits.maxFieldNameLength + over), 'v']];
      case 'values per field':
        return Array.from({ length: limits.maxValuesPerField + over }, (_, index) => [
          'interests',
          `v${index}`,
        ]);
      default:
        return [];
    }
  };
  const codes: Record<Limit, string> = {
    fields: 'too_many_fields',
    'value length': 'field_too_long',
    'name length': 'field_name_too_long',
    'values per field': 'too_many_values',
    'json depth': 'too_deep',
  };
  const encode = (encoding: string, limit: Limit, over: 0 | 1, char: string) => {
    if (limit === 'json depth') {
      const depth = limits.maxJsonDepth + over;
      return { contentType: JSON_TYPE, body: Buffer.from(`${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}`) };
    }
    const pairs = pairsFor(limit, over, char);
    if (encoding === 'multipart') {
      return {
        contentType: MULTIPART,
        body: multipartBody(
          BOUNDARY,
          pairs.map(([key, item]) => ({ name: key, value: item })),
        ),
      };
    }
    if (encoding === 'json') {
      const grouped = new Map<string, string[]>();
      for (const [key, item] of pairs) grouped.set(key, [...(grouped.get(key) ?? []), item]);
      const object = Object.fromEntries(
        [...grouped].map(([key, values]) => [key, values.length === 1 ? values[0] : values]),
      );
      return { contentType: JSON_TYPE, body: Buffer.from(JSON.stringify(object)) };
    }
    return {
      contentType: URLENCODED,
      body: Buffer.from(pairs.map(([key, item]) => `${percentEncode(key)}=${percentEncode(item)}`).join('&')),
    };
  };

  it('accepts each limit exactly and refuses one more, with the documented code, in every encoding', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Limit>('fields', 'value length', 'name length', 'values per field', 'json depth'),
        fc.constantFrom('urlencoded', 'multipart', 'json'),
        fc.constantFrom('x', 'é', '€'),
        async (limit, encoding, char) => {
          // Prepare
          const atLimit = encode(encoding, limit, 0, char);
          const overLimit = encode(encoding, limit, 1, char);
          const where = `${limit} in ${encoding} with "${char}"`;

          // Act
          const accepted = await parse(atLimit.contentType, atLimit.body);
          const refused = await parse(overLimit.contentType, overLimit.body);

          // Assess
          expect(
            accepted.ok,
            `${where} at the limit: ${!accepted.ok && (accepted.error as Error).message}`,
          ).toBe(true);
          expect(refused.ok, `${where} over the limit`).toBe(false);
          if (!refused.ok) expect((refused.error as HttpError).code, where).toBe(codes[limit]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
