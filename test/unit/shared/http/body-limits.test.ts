import { describe, expect, it } from 'vitest';
import { parseBody } from '#shared/http/body.ts';
import type { HttpError } from '#shared/http/errors.ts';

const BOUNDARY = 'leadgate-test-boundary';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

/** A multipart body of text fields and (optionally) file parts. */
function multipart(fields: [string, string][], files = 0): Buffer {
  const parts = fields.map(
    ([name, value]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  for (let index = 0; index < files; index++) {
    parts.push(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f${index}"; filename="a.txt"\r\n` +
        'Content-Type: text/plain\r\n\r\nx\r\n',
    );
  }
  return Buffer.from(`${parts.join('')}--${BOUNDARY}--\r\n`);
}

async function refusal(contentType: string, body: Buffer | string): Promise<HttpError> {
  const parsing = parseBody(contentType, Buffer.isBuffer(body) ? body : Buffer.from(body));
  await expect(parsing).rejects.toMatchObject({ status: 400 });
  return parsing.catch((error: HttpError) => error) as Promise<HttpError>;
}

describe('parseBody: media types', () => {
  it.each([
    ['Application/JSON ; charset=utf-8', '{"a":"1"}'],
    ['APPLICATION/X-WWW-FORM-URLENCODED', 'a=1'],
  ])('reads %s case-insensitively, parameters ignored', async (contentType, body) => {
    // Act
    const parsed = await parseBody(contentType, Buffer.from(body));

    // Assess
    expect(parsed).toEqual({ fields: { a: '1' }, droppedFiles: [] });
  });

  it('reads a JSON body that starts with a byte-order mark', async () => {
    // Act
    const parsed = await parseBody('application/json', Buffer.from('\uFEFF{"a":"1"}'));

    // Assess
    expect(parsed.fields).toEqual({ a: '1' });
  });
});

describe('parseBody: refusals name what is wrong', () => {
  it.each([
    ['application/json', ' \n\t', 'The JSON body is empty.'],
    ['application/json', '{"a":', 'The body is not valid JSON.'],
    ['application/json', Buffer.from([0x7b, 0xff, 0x7d]), 'The JSON body is not valid UTF-8.'],
    [
      'application/x-www-form-urlencoded',
      Buffer.from([0x61, 0x3d, 0xff]),
      'The form body is not valid UTF-8.',
    ],
  ])('%s %j: malformed_body, "%s"', async (contentType, body, message) => {
    // Act
    const error = await refusal(contentType, body);

    // Assess
    expect(error).toMatchObject({ code: 'malformed_body', message });
  });

  it('refuses a JSON list of more than 100 values, naming the field', async () => {
    // Prepare
    const body = JSON.stringify({ tags: Array.from({ length: 101 }, (_, index) => `t${index}`) });

    // Act
    const error = await refusal('application/json', body);

    // Assess
    expect(error).toMatchObject({
      code: 'too_many_values',
      message: 'Field "tags" has more than 100 values.',
    });
  });

  it('refuses a field name longer than 256 characters', async () => {
    // Act
    const error = await refusal('application/json', JSON.stringify({ ['n'.repeat(257)]: 'x' }));

    // Assess
    expect(error).toMatchObject({
      code: 'field_name_too_long',
      message: 'A field name is longer than 256 characters.',
    });
  });
});

describe('parseBody: JSON lists', () => {
  it('reads a one-value list as that value, a longer one as a list, and an empty one as nothing', async () => {
    // Act
    const parsed = await parseBody(
      'application/json',
      Buffer.from('{"one":["x"],"two":["a","b"],"none":[]}'),
    );

    // Assess
    expect(parsed.fields).toEqual({ one: 'x', two: ['a', 'b'] });
  });
});

describe('parseBody: multipart limits', () => {
  it('accepts a field name of exactly 256 characters', async () => {
    // Prepare
    const name = 'n'.repeat(256);

    // Act
    const parsed = await parseBody(MULTIPART, multipart([[name, 'x']]));

    // Assess
    expect(parsed.fields).toEqual({ [name]: 'x' });
  });

  it.each([
    [
      'a value longer than 65536 characters',
      () => multipart([['note', 'x'.repeat(65_537)]]),
      'field_too_long',
      'Field "note" is longer than 65536 characters.',
    ],
    [
      'a field name longer than 256 characters',
      () => multipart([['n'.repeat(300), 'x']]),
      'field_name_too_long',
      'A field name is longer than 256 characters.',
    ],
    [
      'more than 500 fields',
      () => multipart(Array.from({ length: 502 }, (_, index): [string, string] => [`f${index}`, 'x'])),
      'too_many_fields',
      'A lead may carry at most 500 fields.',
    ],
    [
      'more than 1000 parts',
      () => multipart([], 1001),
      'too_many_fields',
      'The multipart body has too many parts.',
    ],
  ])('refuses %s', async (_what, body, code, message) => {
    // Act
    const error = await refusal(MULTIPART, body());

    // Assess
    expect(error).toMatchObject({ code, message });
  });
});
