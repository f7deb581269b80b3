import type { ReadFacts } from '#shared/channels/channel.ts';
import { requestContext } from '#shared/channels/common/context.ts';
import type { InputFields, LeadInput } from '#shared/envelope.ts';
import { parseBody } from '#shared/http/body.ts';
import { HttpError } from '#shared/http/errors.ts';
import { idString, isRecord, parseJsonExact } from '#shared/json.ts';

/**
 * Helpers of the channels' sample readers (`Channel.read`, used by `leadgate sources preview` and the
 * dashboard playground): JSON parsing with readable errors, and the flat `field → value` fallback every
 * channel accepts.
 */

/**
 * A sample payload that cannot be read; the message says why, for marketing ops.
 *
 * @example
 * throw new PayloadError('the payload is not valid JSON');
 */
export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

/**
 * One lead read from a sample payload.
 *
 * @example
 * const lead: SampleLead = { input: { fields: { email: 'a@x.test' }, context: {} } };
 */
export interface SampleLead {
  input: LeadInput;
  /** A form's honeypot was filled in: capture would drop this lead as spam. */
  spam?: boolean;
}

/**
 * A sample payload's text as JSON (exact numbers kept), or a `PayloadError`.
 *
 * @example
 * readJson('{"email": "a@x.test"}'); // { email: 'a@x.test' }
 */
export function readJson(text: string): unknown {
  try {
    return parseJsonExact(text);
  } catch {
    throw new PayloadError('the payload is not valid JSON');
  }
}

/**
 * A body read by the gateway's own body parser (same limits, same flattening); its rejections become
 * `PayloadError`s.
 *
 * @example
 * await parsedFields('application/json', '{"email": "a@x.test"}'); // { email: 'a@x.test' }
 */
export async function parsedFields(contentType: string, body: string): Promise<InputFields> {
  try {
    return (await parseBody(contentType, Buffer.from(body, 'utf8'))).fields;
  } catch (error) {
    if (error instanceof HttpError) throw new PayloadError(error.message);
    throw error;
  }
}

/**
 * A flat JSON object of field → value (nested objects become `parent.child`), as forms read JSON.
 *
 * @example
 * await flatFields({ contact: { email: 'a@x.test' } }); // { 'contact.email': 'a@x.test' }
 */
export async function flatFields(value: unknown): Promise<InputFields> {
  if (!isRecord(value)) throw new PayloadError('expected a JSON object of field names and values');
  return parsedFields('application/json', JSON.stringify(value));
}

/**
 * The request context capture adds to a lead of a source (`$source_id`, `$received_at`, ...).
 *
 * @example
 * baseContext({ source, receivedAt }, fields)['$source_id']; // source.id
 */
export function baseContext(facts: ReadFacts, fields: InputFields): Record<string, string> {
  return requestContext({ sourceId: facts.source.id, receivedAt: facts.receivedAt }, fields);
}

/**
 * A payload read as one flat JSON object of field → value (what every channel also accepts).
 *
 * @example
 * await flatLead({ email: 'a@x.test' }, facts); // { input: { fields: { email: 'a@x.test' }, context } }
 */
export async function flatLead(payload: unknown, facts: ReadFacts): Promise<SampleLead> {
  const fields = await flatFields(payload);
  return { input: { fields, context: baseContext(facts, fields) } };
}

/**
 * Copies the id-like `keys` of a payload into the context as `<prefix>.<key>`.
 *
 * @example
 * addContext(context, 'meta', { form_id: 123 }, ['form_id']); // context['meta.form_id'] = '123'
 */
export function addContext(
  context: Record<string, string>,
  prefix: string,
  payload: Record<string, unknown>,
  keys: readonly string[],
): void {
  for (const key of keys) {
    const value = idString(payload[key]);
    if (value) context[`${prefix}.${key}`] = value;
  }
}

/**
 * Input fields as name/value pairs, one pair per value of a list (what repeated form fields, Google
 * Ads columns and TikTok changes look like).
 *
 * @example
 * fieldPairs({ topic: ['A', 'B'] }); // [['topic', 'A'], ['topic', 'B']]
 */
export function fieldPairs(fields: InputFields): [string, string][] {
  return Object.entries(fields).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((item): [string, string] => [name, item]),
  );
}
