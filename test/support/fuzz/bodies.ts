import fc from 'fast-check';
import { googleLead } from '#test/support/fuzz/channels/google-ads.ts';
import { linkedinNotification } from '#test/support/fuzz/channels/linkedin.ts';
import { metaNotification } from '#test/support/fuzz/channels/meta.ts';
import { partnerPayload } from '#test/support/fuzz/channels/partner.ts';
import { tiktokNotification } from '#test/support/fuzz/channels/tiktok.ts';
import { deepJson, jsonText, jsonValue } from '#test/support/fuzz/json.ts';
import type { RouteName } from '#test/support/fuzz/requests.ts';
import { fieldName, percentEncode, rarely, text } from '#test/support/fuzz/text.ts';

/** Bodies per content type (and wrong ones), around the size and field limits, or a sender's payload. */

export interface FuzzBody {
  kind: string;
  contentType: string | undefined;
  body: Buffer;
}

const URLENCODED = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/** Bytes that are not UTF-8: a lone continuation, an overlong '/', an encoded surrogate, 0xFF. */
export const invalidUtf8 = fc.constantFrom(
  Buffer.from([0x80]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xff]),
  Buffer.from([0xc3]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
);

/** Inserts `bytes` at `position` (a fraction of the length) of `body`. */
function splice(body: Buffer, bytes: Buffer, position: number): Buffer {
  const at = Math.floor(body.length * position);
  return Buffer.concat([body.subarray(0, at), bytes, body.subarray(at)]);
}

const pairs = fc.array(fc.tuple(fieldName, text), { maxLength: 12 });

const urlencodedBody: fc.Arbitrary<FuzzBody> = fc
  .oneof(
    {
      weight: 4,
      arbitrary: pairs.map((list) =>
        list.map(([n, v]) => `${percentEncode(n)}=${percentEncode(v, true)}`).join('&'),
      ),
    },
    // raw text: unescaped `%`, `&`, `=` and anything else
    {
      weight: 2,
      arbitrary: fc
        .array(fc.oneof(text, fc.constantFrom('&', '=', '%', '&&', '=&=')), { maxLength: 12 })
        .map((parts) => parts.join('')),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'a',
        '=',
        '&',
        '&=&',
        'a=1&a=2&a[]=3',
        '%E0%A4%A=1',
        'a=%C3%28',
        '__proto__[x]=1&constructor[prototype][x]=1',
      ),
    },
  )
  .map((textBody) => ({ kind: 'urlencoded', contentType: URLENCODED, body: Buffer.from(textBody, 'utf8') }));

interface Part {
  name: string;
  value: string;
  filename?: string | undefined;
  contentType?: string | undefined;
}

/** A multipart/form-data body (CRLF line ends), names and file names quoted as browsers send them. */
export function multipartBody(boundary: string, parts: readonly Part[], close = true): Buffer {
  const chunks: Buffer[] = [];
  const quote = (value: string) => value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quote(part.name)}"`;
    if (part.filename !== undefined) head += `; filename="${quote(part.filename)}"`;
    head += '\r\n';
    if (part.contentType !== undefined) head += `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.value), Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const boundary = fc.oneof(
  fc.constantFrom('----WebKitFormBoundary7MA4YWxkTrZu0gW', 'x', '--', 'a b'),
  fc.string({ minLength: 1, maxLength: 70, unit: fc.constantFrom(...'abcXYZ019-_'.split('')) }),
);
const part: fc.Arbitrary<Part> = fc.record(
  {
    name: fieldName,
    value: text,
    filename: fc.oneof(fc.constant(undefined), fc.constantFrom('cv.pdf', '', '../../etc/passwd', 'é.txt')),
    contentType: fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(
        'text/plain; charset=latin1',
        'text/plain; charset=utf-16le',
        'text/plain; charset=x-nope',
        'application/pdf',
      ),
    ),
  },
  { requiredKeys: ['name', 'value'] },
);

const multipartFuzzBody: fc.Arbitrary<FuzzBody> = fc
  .record({
    boundary,
    parts: fc.array(part, { maxLength: 8 }),
    close: fc.boolean(),
    cut: rarely(fc.double({ min: 0, max: 1, noNaN: true }), 5),
    declared: fc.oneof(
      { weight: 6, arbitrary: fc.constant('same') },
      { weight: 1, arbitrary: fc.constantFrom('none', 'other', 'quoted', 'empty') },
    ),
  })
  .map(({ boundary: b, parts: list, close, cut, declared }) => {
    let body = multipartBody(b, list, close);
    if (cut !== undefined) body = body.subarray(0, Math.floor(body.length * cut));
    const param =
      declared === 'same'
        ? `; boundary=${b}`
        : declared === 'quoted'
          ? `; boundary="${b}"`
          : declared === 'other'
            ? '; boundary=not-the-boundary'
            : declared === 'empty'
              ? '; boundary='
              : '';
    return { kind: 'multipart', contentType: `multipart/form-data${param}`, body };
  });

const jsonBody: fc.Arbitrary<FuzzBody> = fc
  .oneof(
    { weight: 4, arbitrary: fc.dictionary(fieldName, jsonValue, { maxKeys: 10 }).map(jsonText) },
    { weight: 2, arbitrary: jsonValue.map(jsonText) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 1, max: 4000 }),
          fc.constantFrom('object', 'array') as fc.Arbitrary<'object' | 'array'>,
        )
        .map(([depth, shape]) => deepJson(depth, shape)),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"__proto__":{"polluted":"yes"},"first_name":"Zoë"}',
        '{"constructor":{"prototype":{"polluted":"yes"}},"last_name":"Müller"}',
        '{"a":1,"a":2}',
        '{"a":[1,[2]]}',
        '{"a":{}}',
        '[]',
        '"text"',
        'null',
        '{',
        '',
        '  ',
        '\ufeff{"a":"1"}',
      ),
    },
  )
  .map((textBody) => ({ kind: 'json', contentType: JSON_TYPE, body: Buffer.from(textBody, 'utf8') }));

const wrongBody: fc.Arbitrary<FuzzBody> = fc.oneof(
  fc
    .uint8Array({ maxLength: 256 })
    .map((bytes) => ({ kind: 'bytes', contentType: undefined, body: Buffer.from(bytes) })),
  fc
    .tuple(fc.constantFrom('text/plain', 'application/xml', 'image/png', 'application/octet-stream'), text)
    .map(([contentType, value]) => ({ kind: 'wrong-type', contentType, body: Buffer.from(value) })),
);

/** `count` fields `f<i>=v`: around and over the field limit. */
const manyFields: fc.Arbitrary<FuzzBody> = fc
  .tuple(fc.integer({ min: 490, max: 620 }), fc.constantFrom('urlencoded', 'json', 'repeated'))
  .map(([count, style]) => {
    const names = Array.from({ length: count }, (_, index) =>
      style === 'repeated' ? 'interests' : `f${index}`,
    );
    if (style === 'json') {
      const body = `{${names.map((name, index) => `"${name}":"v${index}"`).join(',')}}`;
      return { kind: 'many-fields', contentType: JSON_TYPE, body: Buffer.from(body) };
    }
    const body = names.map((name, index) => `${name}=v${index}`).join('&');
    return { kind: 'many-fields', contentType: URLENCODED, body: Buffer.from(body) };
  });

/**
 * Bodies around the size limits: a value around the field-length limit, or a whole body just under
 * or over 256 KiB, its filler plain or made of characters that JSON escapes or SQS refuses.
 */
const largeBody: fc.Arbitrary<FuzzBody> = fc
  .tuple(
    fc.constantFrom('value', 'body'),
    fc.integer({ min: -3000, max: 50 }),
    fc.constantFrom('x', '%22', '%01', '%C3%A9', '%EF%BF%BF'),
    fc.constantFrom('urlencoded', 'json'),
  )
  .map(([what, delta, filler, style]) => {
    const unit = filler.length;
    const decoded =
      { x: 'x', '%22': '"', '%01': '\u0001', '%C3%A9': 'é', '%EF%BF%BF': '\uFFFF' }[filler] ?? 'x';
    if (what === 'value') {
      const count = 65_536 + Math.max(-2, Math.min(2, delta));
      const value = decoded.repeat(count);
      const body =
        style === 'json'
          ? JSON.stringify({ first_name: 'Zoë', message: value })
          : `first_name=Zo%C3%AB&message=${filler.repeat(count)}`;
      return {
        kind: 'large-value',
        contentType: style === 'json' ? JSON_TYPE : URLENCODED,
        body: Buffer.from(body),
      };
    }
    const target = 256 * 1024 + delta;
    if (style === 'json') {
      const head = '{"first_name":"Zoë","message":"';
      const escaped = JSON.stringify(decoded).slice(1, -1);
      const count = Math.max(
        0,
        Math.floor((target - Buffer.byteLength(head) - 2) / Buffer.byteLength(escaped)),
      );
      return {
        kind: 'large-body',
        contentType: JSON_TYPE,
        body: Buffer.from(`${head}${escaped.repeat(count)}"}`),
      };
    }
    const head = 'first_name=Zo%C3%AB&message=';
    const count = Math.max(0, Math.floor((target - head.length) / unit));
    return { kind: 'large-body', contentType: URLENCODED, body: Buffer.from(head + filler.repeat(count)) };
  });

const shaped: Partial<Record<RouteName, fc.Arbitrary<string>>> = {
  'google-ads': googleLead,
  meta: metaNotification,
  linkedin: linkedinNotification,
  tiktok: tiktokNotification,
  partner: partnerPayload,
};

/** A body for `route`: its sender's payload shape (often), or any content type, size or bytes. */
export function fuzzBody(route: RouteName): fc.Arbitrary<FuzzBody> {
  const own = shaped[route];
  const general: fc.WeightedArbitrary<FuzzBody>[] = [
    { weight: 4, arbitrary: urlencodedBody },
    { weight: 3, arbitrary: multipartFuzzBody },
    { weight: 4, arbitrary: jsonBody },
    { weight: 2, arbitrary: wrongBody },
    { weight: 1, arbitrary: manyFields },
    { weight: 1, arbitrary: largeBody },
  ];
  const withOwn = own
    ? [
        ...general,
        {
          weight: 12,
          arbitrary: own.map(
            (body): FuzzBody => ({
              kind: `${route}-payload`,
              contentType: JSON_TYPE,
              body: Buffer.from(body),
            }),
          ),
        },
      ]
    : general;
  return fc
    .tuple(
      fc.oneof(...withOwn),
      rarely(fc.tuple(invalidUtf8, fc.double({ min: 0, max: 1, noNaN: true }))),
      rarely(
        fc.oneof(
          fc.constantFrom(
            'APPLICATION/JSON',
            'application/json; charset=utf-8',
            '',
            'multipart/form-data',
            'application/x-www-form-urlencoded;charset=ISO-8859-1',
          ),
          text,
        ),
      ),
    )
    .map(([generated, broken, contentType]) => ({
      kind:
        generated.kind + (broken ? '+invalid-utf8' : '') + (contentType !== undefined ? '+content-type' : ''),
      contentType: contentType ?? generated.contentType,
      body: broken ? splice(generated.body, broken[0], broken[1]) : generated.body,
    }));
}
