import type busboy from 'busboy';
import type { InputFields } from '#shared/envelope.ts';
import { badRequest, HttpError, unsupportedMediaType } from '#shared/http/errors.ts';
import { limits } from '#shared/http/limits.ts';

/**
 * Parses a form or JSON body into input fields: `name → value`, or `name → [values]` for repeated
 * names (checkboxes). The result has no prototype, so `__proto__` and `constructor` are plain field
 * names. PHP-style `interests[]` names are stored as `interests`.
 *
 * - `application/x-www-form-urlencoded`: UTF-8, `+` as space.
 * - `multipart/form-data`: text parts become fields; file parts are discarded unread (Onpipeline's
 *   Leadsin has no attachments) and their names are listed in `droppedFiles`.
 * - `application/json`: an object; numbers and booleans become strings, `null` is skipped, arrays of
 *   scalars become lists, nested objects are flattened to `parent.child` names.
 *
 * @example
 * const { fields } = await parseBody('application/x-www-form-urlencoded', Buffer.from('a=1&a=2'));
 * // fields.a → ['1', '2']
 */
export async function parseBody(
  contentType: string | undefined,
  body: Buffer,
): Promise<{ fields: InputFields; droppedFiles: string[] }> {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  switch (mediaType) {
    case 'application/x-www-form-urlencoded':
      return { fields: parseUrlEncoded(body), droppedFiles: [] };
    case 'application/json':
      return { fields: parseJson(body), droppedFiles: [] };
    case 'multipart/form-data':
      return parseMultipart(contentType as string, body);
    default:
      throw unsupportedMediaType(contentType);
  }
}

class FieldCollector {
  readonly fields: InputFields = Object.create(null);
  private count = 0;

  add(rawName: string, value: string): void {
    const name = rawName.endsWith('[]') ? rawName.slice(0, -2) : rawName;
    if (name.length === 0) return;
    if (name.length > limits.maxFieldNameLength) {
      throw badRequest(
        'field_name_too_long',
        `A field name is longer than ${limits.maxFieldNameLength} characters.`,
      );
    }
    if (value.length > limits.maxFieldValueLength) {
      throw badRequest(
        'field_too_long',
        `Field "${name}" is longer than ${limits.maxFieldValueLength} characters.`,
      );
    }
    if (++this.count > limits.maxFields) {
      throw badRequest('too_many_fields', `A lead may carry at most ${limits.maxFields} fields.`);
    }
    const existing = this.fields[name];
    if (existing === undefined) this.fields[name] = value;
    else if (typeof existing === 'string') this.fields[name] = [existing, value];
    else if (existing.length >= limits.maxValuesPerField) {
      throw badRequest(
        'too_many_values',
        `Field "${name}" has more than ${limits.maxValuesPerField} values.`,
      );
    } else existing.push(value);
  }
}

function decodeUtf8(body: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    throw badRequest('malformed_body', `The ${what} body is not valid UTF-8.`);
  }
}

function parseUrlEncoded(body: Buffer): InputFields {
  const collector = new FieldCollector();
  const text = decodeUtf8(body, 'form');
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
    collector.add(name, value);
  }
  return collector.fields;
}

function decodeComponent(text: string): string {
  const spaced = text.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    throw badRequest('malformed_body', 'The form body has an invalid percent-encoding.');
  }
}

function parseJson(body: Buffer): InputFields {
  const text = decodeUtf8(body, 'JSON');
  if (text.trim() === '') throw badRequest('malformed_body', 'The JSON body is empty.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('malformed_body', 'The body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest('malformed_body', 'The JSON body must be an object of field names and values.');
  }
  const collector = new FieldCollector();
  flatten(parsed as Record<string, unknown>, '', 1, collector);
  return collector.fields;
}

function flatten(
  object: Record<string, unknown>,
  prefix: string,
  depth: number,
  collector: FieldCollector,
): void {
  if (depth > limits.maxJsonDepth) {
    throw badRequest('too_deep', `The JSON body is nested deeper than ${limits.maxJsonDepth} levels.`);
  }
  for (const key of Object.keys(object)) {
    const name = prefix + key;
    const value = object[key];
    if (Array.isArray(value)) {
      if (value.length > limits.maxValuesPerField) {
        throw badRequest(
          'too_many_values',
          `Field "${name}" has more than ${limits.maxValuesPerField} values.`,
        );
      }
      const scalars = value.filter((item) => item !== null).map((item) => scalar(item, name));
      if (scalars.length === 1) collector.add(name, scalars[0] as string);
      else if (scalars.length > 1) for (const item of scalars) collector.add(name, item);
    } else if (value !== null && typeof value === 'object') {
      flatten(value as Record<string, unknown>, `${name}.`, depth + 1, collector);
    } else if (value !== null) {
      collector.add(name, scalar(value, name));
    }
  }
}

function scalar(value: unknown, name: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw badRequest('malformed_body', `Field "${name}" must be a string, number, boolean or a list of them.`);
}

async function parseMultipart(
  contentType: string,
  body: Buffer,
): Promise<{ fields: InputFields; droppedFiles: string[] }> {
  // busboy is loaded by the first multipart body, not at cold start (docs/architecture.md, "Cold start")
  const { createMultipartParser } = await import('#shared/http/multipart-parser.ts');
  const collector = new FieldCollector();
  const droppedFiles: string[] = [];
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = createMultipartParser({
        headers: { 'content-type': contentType },
        defParamCharset: 'utf8',
        limits: {
          fields: limits.maxFields + 1,
          // busboy counts bytes; the character limit itself is checked in FieldCollector.add.
          fieldSize: limits.maxFieldValueLength * 4 + 1,
          fieldNameSize: limits.maxFieldNameLength + 1,
          parts: limits.maxFields * 2,
        },
      });
    } catch {
      reject(badRequest('malformed_body', 'The multipart body has no valid boundary.'));
      return;
    }
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      reject(
        error instanceof HttpError ? error : badRequest('malformed_body', 'The multipart body is malformed.'),
      );
    };
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) {
        return fail(
          badRequest(
            'field_too_long',
            `Field "${name}" is longer than ${limits.maxFieldValueLength} characters.`,
          ),
        );
      }
      if (info.nameTruncated) return fail(badRequest('field_name_too_long', 'A field name is too long.'));
      try {
        collector.add(name, value);
      } catch (error) {
        fail(error);
      }
    });
    parser.on('file', (name, stream) => {
      droppedFiles.push(name ?? '');
      // A cut-off upload makes the file stream fail too; the parser's own error answers the request.
      stream.on('error', () => undefined);
      stream.resume();
    });
    parser.on('fieldsLimit', () =>
      fail(badRequest('too_many_fields', `A lead may carry at most ${limits.maxFields} fields.`)),
    );
    parser.on('partsLimit', () =>
      fail(badRequest('too_many_fields', 'The multipart body has too many parts.')),
    );
    parser.on('error', fail);
    parser.on('close', () => {
      if (!failed) resolve({ fields: collector.fields, droppedFiles });
    });
    parser.end(body);
  });
}
