import { describe, expect, it } from 'vitest';
import type { InputFields } from '#shared/envelope.ts';
import { parseBody } from '#shared/http/body.ts';
import { HttpError } from '#shared/http/errors.ts';
import { limits } from '#shared/http/limits.ts';

const URLENCODED = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

type Pair = [name: string, value: string];
interface Encoded {
  contentType: string;
  body: Buffer;
}

/** A urlencoded body as a browser sends it (UTF-8, `+` for spaces). */
function urlencoded(pairs: Pair[]): Encoded {
  return { contentType: URLENCODED, body: Buffer.from(new URLSearchParams(pairs).toString()) };
}

/** Real multipart bytes and content type (with its boundary), as `fetch` would send a FormData. */
async function multipart(pairs: Pair[], files: { name: string; filename: string }[] = []): Promise<Encoded> {
  const form = new FormData();
  for (const [name, value] of pairs) form.append(name, value);
  for (const file of files)
    form.append(file.name, new Blob(['%PDF-1.4 fake'], { type: 'application/pdf' }), file.filename);
  const response = new Response(form);
  return {
    contentType: response.headers.get('content-type') ?? '',
    body: Buffer.from(await response.arrayBuffer()),
  };
}

/** A JSON object; repeated names become an array. */
function json(pairs: Pair[]): Encoded {
  const object: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of pairs) {
    const existing = object[name];
    if (existing === undefined) object[name] = value;
    else object[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return { contentType: JSON_TYPE, body: Buffer.from(JSON.stringify(object)) };
}

const encoders: { type: string; encode: (pairs: Pair[]) => Encoded | Promise<Encoded> }[] = [
  { type: 'urlencoded', encode: urlencoded },
  { type: 'multipart', encode: (pairs) => multipart(pairs) },
  { type: 'json', encode: json },
];

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return error as HttpError;
  }
  throw new Error('expected parseBody to reject');
}

async function fieldsOf(contentType: string | undefined, body: Buffer | string): Promise<InputFields> {
  const { fields } = await parseBody(contentType, Buffer.isBuffer(body) ? body : Buffer.from(body));
  return fields;
}

function pairs(count: number, name: (index: number) => string, value = 'v'): Pair[] {
  return Array.from({ length: count }, (_, index): Pair => [name(index), value]);
}

describe('parseBody: application/x-www-form-urlencoded', () => {
  it('decodes UTF-8 names and values, + as a space and percent-encoding', async () => {
    // Prepare
    const body =
      'first_name=Zo%C3%AB&last_name=M%C3%BCller&city=%E5%8C%97%E4%BA%AC&Zo%C3%AB=yes&msg=a+b%2Bc%20d%26e%3Df';

    // Act
    const fields = await fieldsOf(URLENCODED, body);

    // Assess
    expect({ ...fields }).toEqual({
      first_name: 'Zoë',
      last_name: 'Müller',
      city: '北京',
      Zoë: 'yes',
      msg: 'a b+c d&e=f',
    });
  });

  it('accepts raw (unencoded) UTF-8 bytes', async () => {
    // Act
    const fields = await fieldsOf(URLENCODED, Buffer.from('name=Zoë Müller&city=北京', 'utf8'));

    // Assess
    expect({ ...fields }).toEqual({ name: 'Zoë Müller', city: '北京' });
  });

  it.each([
    ['a truncated escape', 'a=%E0%A4%A'],
    ['a lone percent sign', 'a=100%'],
    ['an escape that is not UTF-8', 'a=%FF'],
    ['a bad escape in a name', '%ZZ=1'],
  ])('rejects %s with 400 malformed_body', async (_what, body) => {
    // Act
    const error = await rejection(parseBody(URLENCODED, Buffer.from(body)));

    // Assess
    expect(error).toMatchObject({ status: 400, code: 'malformed_body' });
  });

  it('rejects raw bytes that are not UTF-8 with 400 malformed_body', async () => {
    // Prepare
    const body = Buffer.from([0x61, 0x3d, 0xff, 0xfe, 0x62]);

    // Act
    const error = await rejection(parseBody(URLENCODED, body));

    // Assess
    expect(error).toMatchObject({ status: 400, code: 'malformed_body' });
  });

  it('collects repeated names into a list, in order', async () => {
    // Act
    const fields = await fieldsOf(URLENCODED, 'topic=a&name=x&topic=b&topic=c');

    // Assess
    expect(fields.topic).toEqual(['a', 'b', 'c']);
    expect(fields.name).toBe('x');
  });

  it('stores PHP-style interests[] under interests', async () => {
    // Act
    const fields = await fieldsOf(URLENCODED, 'interests%5B%5D=crm&interests[]=erp&single[]=one');

    // Assess
    expect({ ...fields }).toEqual({ interests: ['crm', 'erp'], single: 'one' });
  });

  it.each([
    ['an empty body', ''],
    ['only separators', '&&&'],
  ])('gives no fields for %s', async (_what, body) => {
    // Act
    const result = await parseBody(URLENCODED, Buffer.from(body));

    // Assess
    expect(Object.keys(result.fields)).toEqual([]);
    expect(result.droppedFiles).toEqual([]);
  });

  it('reads a key without = as an empty value and skips an empty name', async () => {
    // Act
    const fields = await fieldsOf(URLENCODED, 'newsletter&empty=&=orphan');

    // Assess
    expect({ ...fields }).toEqual({ newsletter: '', empty: '' });
  });
});

describe('parseBody: application/json', () => {
  it('keeps strings and turns numbers and booleans into strings', async () => {
    // Act
    const fields = await fieldsOf(JSON_TYPE, '{"name":"Zoë","age":42,"score":1.5,"optin":true,"spam":false}');

    // Assess
    expect({ ...fields }).toEqual({ name: 'Zoë', age: '42', score: '1.5', optin: 'true', spam: 'false' });
  });

  it('skips null values, also inside arrays', async () => {
    // Act
    const fields = await fieldsOf(JSON_TYPE, '{"a":null,"b":"x","c":["1",null,2]}');

    // Assess
    expect({ ...fields }).toEqual({ b: 'x', c: ['1', '2'] });
  });

  it('turns arrays of scalars into lists', async () => {
    // Act
    const fields = await fieldsOf(JSON_TYPE, '{"interests":["crm","erp",3,true],"none":[]}');

    // Assess
    expect({ ...fields }).toEqual({ interests: ['crm', 'erp', '3', 'true'] });
  });

  it('flattens nested objects to parent.child names', async () => {
    // Act
    const fields = await fieldsOf(
      JSON_TYPE,
      '{"contact":{"name":"Zoë","address":{"city":"北京"}},"top":"t"}',
    );

    // Assess
    expect({ ...fields }).toEqual({ 'contact.name': 'Zoë', 'contact.address.city': '北京', top: 't' });
  });

  function nested(levels: number): string {
    let value: unknown = 'deep';
    for (let level = 0; level < levels; level++) value = { [`l${level}`]: value };
    return JSON.stringify(value);
  }

  it(`accepts objects nested ${limits.maxJsonDepth} levels deep`, async () => {
    // Act
    const fields = await fieldsOf(JSON_TYPE, nested(limits.maxJsonDepth));

    // Assess
    expect(Object.values(fields)).toEqual(['deep']);
  });

  it(`rejects objects nested deeper than ${limits.maxJsonDepth} levels with 400 too_deep`, async () => {
    // Act
    const error = await rejection(parseBody(JSON_TYPE, Buffer.from(nested(limits.maxJsonDepth + 1))));

    // Assess
    expect(error).toMatchObject({ status: 400, code: 'too_deep' });
  });

  it.each([
    ['an array', '[{"a":"1"}]'],
    ['null', 'null'],
    ['a string', '"a=1"'],
    ['a number', '42'],
    ['an empty body', ''],
    ['whitespace only', '  \n '],
    ['invalid JSON', '{"a":'],
    ['single quotes', "{'a':'1'}"],
    ['an array of objects as a value', '{"a":[{"b":"1"}]}'],
    ['an array of arrays as a value', '{"a":[["1"]]}'],
  ])('rejects %s with 400 malformed_body', async (_what, body) => {
    // Act
    const error = await rejection(parseBody(JSON_TYPE, Buffer.from(body)));

    // Assess
    expect(error).toMatchObject({ status: 400, code: 'malformed_body' });
  });

  it('rejects bytes that are not UTF-8 with 400', async () => {
    // Act
    const error = await rejection(
      parseBody(JSON_TYPE, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
    );

    // Assess
    expect(error.status).toBe(400);
  });
});

describe('parseBody: multipart/form-data', () => {
  it('reads text fields with UTF-8 names and values, and repeated fields as a list', async () => {
    // Prepare
    const { contentType, body } = await multipart([
      ['first_name', 'Zoë'],
      ['Straße', 'Müller'],
      ['city', '北京'],
      ['interests[]', 'crm'],
      ['interests[]', 'erp'],
      ['topic', 'a'],
      ['topic', 'b'],
    ]);

    // Act
    const result = await parseBody(contentType, body);

    // Assess
    expect({ ...result.fields }).toEqual({
      first_name: 'Zoë',
      Straße: 'Müller',
      city: '北京',
      interests: ['crm', 'erp'],
      topic: ['a', 'b'],
    });
    expect(result.droppedFiles).toEqual([]);
  });

  it('drops file parts and lists their field names', async () => {
    // Prepare
    const { contentType, body } = await multipart(
      [['email', 'zoe@example.com']],
      [
        { name: 'cv', filename: 'cv.pdf' },
        { name: 'photo', filename: 'me.pdf' },
      ],
    );

    // Act
    const result = await parseBody(contentType, body);

    // Assess
    expect({ ...result.fields }).toEqual({ email: 'zoe@example.com' });
    expect(result.droppedFiles).toEqual(['cv', 'photo']);
  });

  it('rejects a content type without a boundary with 400 malformed_body', async () => {
    // Prepare
    const { body } = await multipart([['a', '1']]);

    // Act
    const error = await rejection(parseBody('multipart/form-data', body));

    // Assess
    expect(error).toMatchObject({ status: 400, code: 'malformed_body' });
  });

  it.each([
    ['garbage', () => Buffer.from('this is not multipart')],
    ['a body cut off in a text part', (body: Buffer) => body.subarray(0, body.length - 10)],
  ])('rejects %s with 400 malformed_body', async (_what, mangle) => {
    // Prepare
    const { contentType, body } = await multipart([
      ['a', '1'],
      ['b', '2'],
    ]);

    // Act
    const error = await rejection(parseBody(contentType, mangle(body)));

    // Assess
    expect(error).toMatchObject({ status: 400, code: 'malformed_body' });
  });

  it('rejects a body cut off inside a file part with 400, without an unhandled stream error', async () => {
    // Prepare
    const { contentType, body } = await multipart([['a', '1']], [{ name: 'cv', filename: 'cv.pdf' }]);
    const truncated = body.subarray(0, body.length - 20);
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);

    try {
      // Act
      const error = await rejection(parseBody(contentType, truncated));
      // a stream error is emitted on process.nextTick: all of those have run once an immediate runs
      await new Promise((resolve) => setImmediate(resolve));

      // Assess
      expect(error).toMatchObject({ status: 400, code: 'malformed_body' });
      expect(uncaught.map((item) => String(item))).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});

describe('parseBody: content types', () => {
  it.each([['text/plain'], ['application/xml'], ['application/jsonx'], [''], [undefined]])(
    'rejects %j with 415 unsupported_media_type',
    async (contentType) => {
      // Act
      const error = await rejection(parseBody(contentType, Buffer.from('a=1')));

      // Assess
      expect(error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    },
  );

  it.each([
    ['application/x-www-form-urlencoded; charset=UTF-8', 'name=Zo%C3%AB'],
    ['Application/X-WWW-Form-Urlencoded', 'name=Zo%C3%AB'],
    ['application/json; charset=utf-8', '{"name":"Zoë"}'],
    ['APPLICATION/JSON', '{"name":"Zoë"}'],
  ])('accepts %j', async (contentType, body) => {
    // Act
    const fields = await fieldsOf(contentType, body);

    // Assess
    expect(fields.name).toBe('Zoë');
  });

  it('accepts multipart with a differently cased media type and parameter name', async () => {
    // Prepare
    const { contentType, body } = await multipart([['name', 'Zoë']]);
    const boundary = contentType.split('boundary=')[1];

    // Act
    const fields = await fieldsOf(`Multipart/Form-Data; charset=utf-8; BOUNDARY=${boundary}`, body);

    // Assess
    expect(fields.name).toBe('Zoë');
  });
});

describe('parseBody: prototype-like names are ordinary fields', () => {
  const names = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

  describe.each(encoders)('in $type', ({ encode }) => {
    it('stores them as own fields and pollutes nothing', async () => {
      // Prepare
      const { contentType, body } = await encode([
        ...names.map((name): Pair => [name, `value of ${name}`]),
        ['__proto__[polluted]', '1'],
      ]);

      // Act
      const fields = await fieldsOf(contentType, body);

      // Assess
      for (const name of names) {
        expect(Object.hasOwn(fields, name)).toBe(true);
        expect(fields[name]).toBe(`value of ${name}`);
      }
      expect(fields['__proto__[polluted]']).toBe('1');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(fields)).toBeNull();
    });
  });

  it('flattens JSON {"__proto__":{"polluted":"1"}} to a plain field', async () => {
    // Act
    const fields = await fieldsOf(
      JSON_TYPE,
      '{"__proto__":{"polluted":"1"},"constructor":{"prototype":{"p2":"1"}}}',
    );

    // Assess
    expect(fields['__proto__.polluted']).toBe('1');
    expect(fields['constructor.prototype.p2']).toBe('1');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).p2).toBeUndefined();
  });

  it('does not pollute through a urlencoded __proto__[polluted]=1', async () => {
    // Act
    await fieldsOf(URLENCODED, '__proto__[polluted]=1&constructor[prototype][polluted]=1&__proto__=x');

    // Assess
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe.each(encoders)('parseBody limits in $type', ({ encode }) => {
  it(`accepts ${limits.maxFields} fields`, async () => {
    // Prepare
    const { contentType, body } = await encode(pairs(limits.maxFields, (index) => `f${index}`));

    // Act
    const fields = await fieldsOf(contentType, body);

    // Assess
    expect(Object.keys(fields)).toHaveLength(limits.maxFields);
  });

  it(`rejects more than ${limits.maxFields} fields with 400 too_many_fields`, async () => {
    // Prepare
    const { contentType, body } = await encode(pairs(limits.maxFields + 1, (index) => `f${index}`));

    // Act
    const error = await rejection(parseBody(contentType, body));

    // Assess
    expect(error).toMatchObject({ status: 400, code: 'too_many_fields' });
  });

  it(`accepts a value of ${limits.maxFieldValueLength} characters`, async () => {
    // Prepare
    const { contentType, body } = await encode([['message', 'x'.repeat(limits.maxFieldValueLength)]]);

    // Act
    const fields = await fieldsOf(contentType, body);

    // Assess
    expect(fields.message).toHaveLength(limits.maxFieldValueLength);
  });

  it(`rejects a value longer than ${limits.maxFieldValueLength} characters with 400 field_too_long`, async () => {
    // Prepare
    const { contentType, body } = await encode([['message', 'x'.repeat(limits.maxFieldValueLength + 1)]]);

    // Act
    const error = await rejection(parseBody(contentType, body));

    // Assess
    expect(error).toMatchObject({ status: 400, code: 'field_too_long' });
  });

  it('counts a value length in characters, not UTF-8 bytes (docs/sources.md "Limits")', async () => {
    // Prepare: 40,000 characters, 80,000 UTF-8 bytes
    const value = 'ü'.repeat(40_000);
    const { contentType, body } = await encode([['message', value]]);

    // Act
    const fields = await fieldsOf(contentType, body);

    // Assess
    expect(fields.message).toBe(value);
  });

  it('counts a name length in characters, not UTF-8 bytes', async () => {
    // Prepare: 200 characters, 600 UTF-8 bytes
    const name = '北'.repeat(200);
    const { contentType, body } = await encode([[name, 'v']]);

    // Act
    const fields = await fieldsOf(contentType, body);

    // Assess
    expect(fields[name]).toBe('v');
  });

  it(`rejects a name longer than ${limits.maxFieldNameLength} characters with 400 field_name_too_long`, async () => {
    // Prepare
    const { contentType, body } = await encode([['n'.repeat(limits.maxFieldNameLength + 1), 'v']]);

    // Act
    const error = await rejection(parseBody(contentType, body));

    // Assess
    expect(error).toMatchObject({ status: 400, code: 'field_name_too_long' });
  });

  it(`accepts ${limits.maxValuesPerField} values of one field`, async () => {
    // Prepare
    const { contentType, body } = await encode(pairs(limits.maxValuesPerField, () => 'topic'));

    // Act
    const fields = await fieldsOf(contentType, body);

    // Assess
    expect(fields.topic).toHaveLength(limits.maxValuesPerField);
  });

  it(`rejects more than ${limits.maxValuesPerField} values of one field with 400`, async () => {
    // Prepare
    const { contentType, body } = await encode(pairs(limits.maxValuesPerField + 1, () => 'topic'));

    // Act
    const error = await rejection(parseBody(contentType, body));

    // Assess
    expect(error).toMatchObject({ status: 400, code: 'too_many_values' });
  });
});
