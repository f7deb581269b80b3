import { randomInt } from 'node:crypto';
import type { Channel } from '#shared/channels/channel.ts';
import { requestContext } from '#shared/channels/common/context.ts';
import { attributionContext } from '#shared/channels/form/attribution.ts';
import { honeypotFilled } from '#shared/channels/form/channel.ts';
import { googleAds, tiktok } from '#shared/channels/index.ts';
import type { FieldValue, InputFields, LeadInput } from '#shared/envelope.ts';
import { parseBody } from '#shared/http/body.ts';
import { HttpError } from '#shared/http/errors.ts';
import { idString, isRecord, parseJsonExact } from '#shared/json.ts';
import type { LeadsinTextField } from '#shared/onpipeline/schema.ts';
import type { Source, ValueExpression } from '#shared/sources/schema.ts';

/**
 * Sample payloads per channel, both ways:
 * - `leadInputs` reads a sample payload as the channel would (input fields + `$` context), for
 *   `leadgate sources preview` and the dashboard playground;
 * - `samplePayload` writes a realistic payload for a source, from the field names its mapping reads,
 *   for `leadgate send-test` and to prefill the playground.
 *
 * Forms use the capture channel's own body parser: a JSON object, or `name=value` lines read
 * literally (see `encodeLines`). The ad-network and partner readers are small
 * stand-ins written from the networks' documented payloads (the channel modules do not export their
 * normalisers): Google Ads `user_column_data[].column_id`, Meta `field_data[].name` (the lead as the
 * Graph API returns it), LinkedIn `formResponse.answers[]`, TikTok `entry[].changes[].field`, partner
 * JSON objects (an array is a batch). Any channel also accepts a flat JSON object of field → value.
 */

/** A sample payload that cannot be read; the message says why, for marketing ops. */
export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

/** One lead read from a sample payload. */
export interface SampleLead {
  input: LeadInput;
  /** A form's honeypot was filled in: capture would drop this lead as spam. */
  spam?: boolean;
}

export interface ReadOptions {
  /** The page the form was on (for `$referer`, `$utm.*` from its query string). */
  referer?: string | undefined;
  now?: Date;
}

type Json = Record<string, unknown>;

/**
 * Reads a sample payload of a source's channel into the leads capture would queue.
 *
 * @example
 * const [lead] = await leadInputs(source, 'first_name=Ana\nlast_name=Ruiz');
 * lead.input.fields.first_name; // 'Ana'
 */
export async function leadInputs(
  source: Source,
  text: string,
  options: ReadOptions = {},
): Promise<SampleLead[]> {
  const receivedAt = (options.now ?? new Date()).toISOString();
  if (text.trim() === '') throw new PayloadError('the payload is empty');
  if (source.channel === 'form') return [await formLead(source, text, receivedAt, options.referer)];
  const payload = readJson(text);
  const base = (fields: InputFields) => requestContext({ sourceId: source.id, receivedAt }, fields);
  switch (source.channel) {
    case 'google-ads':
      return [await googleLead(payload, base, source.id, receivedAt)];
    case 'meta':
      return [await metaLead(payload, base)];
    case 'linkedin':
      return [await linkedinLead(payload, base)];
    case 'tiktok':
      return tiktokLeads(payload, base, source.id, receivedAt);
    case 'partner': {
      const items = Array.isArray(payload) ? payload : [payload];
      if (items.length === 0) throw new PayloadError('the batch is an empty list');
      return Promise.all(
        items.map(async (item) => {
          const fields = await flatFields(item);
          return { input: { fields, context: base(fields) } };
        }),
      );
    }
  }
}

async function formLead(source: Source, text: string, receivedAt: string, referer: string | undefined) {
  const json = text.trimStart().startsWith('{');
  const fields = json
    ? await parsed('application/json', text.trim())
    : await parsed('application/x-www-form-urlencoded', encodeLines(text));
  const honeypot = source.form?.honeypot;
  const spam = honeypotFilled(source, fields);
  if (honeypot) delete fields[honeypot];
  const context = {
    ...requestContext(
      { sourceId: source.id, receivedAt, ip: '127.0.0.1', userAgent: 'leadgate preview', referer },
      fields,
    ),
    ...attributionContext(fields), // as the form channel reads them
  };
  return { input: { fields, context }, ...(spam ? { spam } : {}) };
}

/**
 * A file of `name=value` lines, typed by a person, read literally: everything after the first `=` is
 * the value exactly as written (`+44 20…` keeps its `+`, `1+1=2` its `+` and second `=`, `%20` stays
 * `%20`), as a browser would post those values. Each line is percent-encoded as a browser encodes a
 * form, so the capture channel's own parser reads it (same limits, repeated names become lists).
 * Blank lines are skipped. Documented in docs/sources.md (the tutorial, step 4).
 */
export function encodeLines(text: string): string {
  const pairs: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      throw new PayloadError(
        `line ${index + 1} is not name=value (a form sample is a JSON object or one name=value per line)`,
      );
    }
    // A lone surrogate (only possible in text pasted into the playground) becomes U+FFFD, as in a browser.
    const encode = (part: string) => encodeURIComponent(part.toWellFormed());
    pairs.push(`${encode(line.slice(0, eq))}=${encode(line.slice(eq + 1))}`);
  });
  return pairs.join('&');
}

async function parsed(contentType: string, body: string): Promise<InputFields> {
  try {
    return (await parseBody(contentType, Buffer.from(body, 'utf8'))).fields;
  } catch (error) {
    if (error instanceof HttpError) throw new PayloadError(error.message);
    throw error;
  }
}

function readJson(text: string): unknown {
  try {
    return parseJsonExact(text);
  } catch {
    throw new PayloadError('the payload is not valid JSON');
  }
}

/** A flat JSON object of field → value (nested objects become `parent.child`), as forms read JSON. */
async function flatFields(value: unknown): Promise<InputFields> {
  if (!isRecord(value)) throw new PayloadError('expected a JSON object of field names and values');
  return parsed('application/json', JSON.stringify(value));
}

function collect(pairs: [string, string][]): InputFields {
  const fields: InputFields = Object.create(null);
  for (const [name, value] of pairs) {
    const existing = fields[name];
    if (existing === undefined) fields[name] = value;
    else if (typeof existing === 'string') fields[name] = [existing, value];
    else existing.push(value);
  }
  return fields;
}

function addContext(context: Record<string, string>, prefix: string, payload: Json, keys: readonly string[]) {
  for (const key of keys) {
    const value = idString(payload[key]);
    if (value) context[`${prefix}.${key}`] = value;
  }
}

type BaseContext = (fields: InputFields) => Record<string, string>;

/** A Google Ads webhook body, read by the channel's own reader (`googleAdsInput`). */
async function googleLead(
  payload: unknown,
  base: BaseContext,
  sourceId: string,
  receivedAt: string,
): Promise<SampleLead> {
  if (!isRecord(payload) || !Array.isArray(payload.user_column_data)) {
    const fields = await flatFields(payload);
    return { input: { fields, context: base(fields) } };
  }
  const { fields, context } = readLead(googleAds, payload, { sourceId, receivedAt });
  return { input: { fields, context } };
}

async function metaLead(payload: unknown, base: BaseContext): Promise<SampleLead> {
  if (isRecord(payload) && Array.isArray(payload.entry)) {
    throw new PayloadError(
      'this is a Meta webhook notification: it carries only the lead id. Paste the lead as the Graph API ' +
        'returns it: {"id": "...", "field_data": [{"name": "email", "values": ["..."]}]}',
    );
  }
  if (!isRecord(payload) || !Array.isArray(payload.field_data)) {
    const fields = await flatFields(payload);
    return { input: { fields, context: base(fields) } };
  }
  const pairs: [string, string][] = [];
  for (const item of payload.field_data) {
    if (!isRecord(item) || typeof item.name !== 'string') continue;
    const values = Array.isArray(item.values) ? item.values : [item.values];
    for (const value of values) {
      const text = typeof value === 'string' ? value : idString(value);
      if (text !== undefined) pairs.push([item.name, text]);
    }
  }
  const fields = collect(pairs);
  const context = base(fields);
  const id = idString(payload.id);
  if (id) context['meta.leadgen_id'] = id;
  addContext(context, 'meta', payload, ['form_id', 'ad_id', 'adgroup_id', 'page_id', 'created_time']);
  return { input: { fields, context } };
}

async function linkedinLead(payload: unknown, base: BaseContext): Promise<SampleLead> {
  const answers = isRecord(payload)
    ? isRecord(payload.formResponse) && Array.isArray(payload.formResponse.answers)
      ? payload.formResponse.answers
      : Array.isArray(payload.answers)
        ? payload.answers
        : undefined
    : undefined;
  if (!answers || !isRecord(payload)) {
    const fields = await flatFields(payload);
    return { input: { fields, context: base(fields) } };
  }
  const pairs: [string, string][] = [];
  for (const answer of answers) {
    if (!isRecord(answer)) continue;
    const key = idString(answer.predefinedField) ?? idString(answer.name) ?? idString(answer.questionId);
    if (!key) continue;
    const details = isRecord(answer.answerDetails) ? answer.answerDetails : {};
    const text = isRecord(details.textQuestionAnswer)
      ? idString(details.textQuestionAnswer.answer)
      : undefined;
    const options =
      isRecord(details.multipleChoiceAnswer) && Array.isArray(details.multipleChoiceAnswer.options)
        ? details.multipleChoiceAnswer.options.map(idString).filter((value) => value !== undefined)
        : undefined;
    const direct = idString(answer.answer) ?? idString(answer.value);
    for (const value of options ?? [text ?? direct]) if (value !== undefined) pairs.push([key, value]);
  }
  const fields = collect(pairs);
  const context = base(fields);
  const id = idString(payload.id);
  if (id) context['linkedin.lead_id'] = id;
  addContext(context, 'linkedin', payload, ['form_id', 'campaign_id']);
  return { input: { fields, context } };
}

/** A TikTok notification (or one entry), read by the channel's own reader (`tiktokEntryInput`). */
async function tiktokLeads(
  payload: unknown,
  base: BaseContext,
  sourceId: string,
  receivedAt: string,
): Promise<SampleLead[]> {
  const entries = isRecord(payload)
    ? Array.isArray(payload.entry)
      ? payload.entry
      : Array.isArray(payload.changes)
        ? [payload]
        : undefined
    : undefined;
  if (!entries) {
    const fields = await flatFields(payload);
    return [{ input: { fields, context: base(fields) } }];
  }
  if (entries.length === 0) throw new PayloadError('the notification has an empty entry list');
  return entries.map((entry) => {
    if (!isRecord(entry)) throw new PayloadError('every entry must be an object with changes');
    const { fields, context } = readLead(tiktok, entry, { sourceId, receivedAt });
    return { input: { fields, context } };
  });
}

/** One lead read by its channel's own reader (`Channel.read`), as capture reads it. */
function readLead(
  channel: Channel,
  payload: Record<string, unknown>,
  facts: { sourceId: string; receivedAt: string },
): LeadInput {
  if (!channel.read) throw new PayloadError(`the ${channel.name} channel has no reader`);
  const { fields, context } = channel.read(payload, facts);
  return { fields, context };
}

// ---------------------------------------------------------------------------------------------------
// Samples

/** Input field names a mapping reads, with the Leadsin field each one feeds and how. */
interface FieldUse {
  target: LeadsinTextField | 'Email' | 'Phone' | 'Extra';
  part?: 'first' | 'last' | undefined;
  mapKeys?: string[] | undefined;
}

const byTarget: Record<FieldUse['target'], string> = {
  FirstName: 'Alex',
  LastName: 'Sample',
  OrgName: 'Example Ltd',
  AddressLine1: 'Calle Mayor 1',
  AddressLine2: '2nd floor',
  Postcode: '28001',
  City: 'Madrid',
  Region: 'Madrid',
  Country: 'ES',
  Email: 'alex.sample@example.com',
  Phone: '+34 600 000 000',
  Extra: 'leadgate test',
};

const byName: [RegExp, FieldValue][] = [
  [/e-?mail/, 'alex.sample@example.com'],
  [/phone|mobile|tel/, '+34 600 000 000'],
  [/first|given/, 'Alex'],
  [/last|surname|family/, 'Sample'],
  [/^(full_?)?name$|full_?name|your_?name|contact_?name/, 'Alex Sample'],
  [/company|organi[sz]ation|^org|business/, 'Example Ltd'],
  [/zip|post(al)?_?code/, '28001'],
  [/country/, 'ES'],
  [/city|town/, 'Madrid'],
  [/region|state|province/, 'Madrid'],
  [/address|street/, 'Calle Mayor 1'],
  [/job|title|role|position/, 'Marketing manager'],
  [/interest|topic/, ['Pricing', 'Demo']],
  [/message|comment|note|question|enquiry|inquiry/, 'This is a test lead sent by leadgate.'],
];

function fieldNamesOf(expression: ValueExpression): string[] {
  if (typeof expression === 'string') return expression.startsWith('$') ? [] : [expression];
  const names: string[] = [];
  if (expression.from !== undefined) {
    const first = (Array.isArray(expression.from) ? expression.from : [expression.from]).find(
      (name) => !name.startsWith('$'),
    );
    if (first) names.push(first);
  }
  if (expression.template !== undefined) {
    for (const match of expression.template.matchAll(/\{\{\s*([^{}$\s][^{}]*?)\s*\}\}/g)) {
      if (match[1]) names.push(match[1]);
    }
  }
  return names;
}

/** Every input field a source's mapping reads, in mapping order, with how it is used. */
function fieldUses(source: Source): Map<string, FieldUse> {
  const uses = new Map<string, FieldUse>();
  const add = (expression: ValueExpression, target: FieldUse['target']) => {
    const part = typeof expression === 'string' ? undefined : expression.part;
    const map = typeof expression === 'string' ? undefined : expression.map;
    for (const name of fieldNamesOf(expression)) {
      if (!uses.has(name)) uses.set(name, { target, part, mapKeys: map ? Object.keys(map) : undefined });
    }
  };
  const lead = source.lead;
  for (const key of Object.keys(lead) as (keyof typeof lead)[]) {
    if (key === 'Email' || key === 'Phone' || key === 'Extra') {
      for (const item of lead[key] ?? []) add(item as ValueExpression, key);
    } else {
      const expression = lead[key];
      if (expression !== undefined) add(expression, key);
    }
  }
  return uses;
}

/**
 * Realistic values for every input field a source's mapping reads: guessed from the field's name
 * (`email`, `phone`, `company`...), else from the Leadsin field it feeds. A field read through a `map`
 * gets one of the map's keys; one split into first/last name gets a full name.
 *
 * @example
 * sampleFields(demoSource);
 * // { first_name: 'Alex', last_name: 'Sample', email: 'alex.sample@example.com', ... }
 */
export function sampleFields(source: Source): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  for (const [name, use] of fieldUses(source)) {
    if (name === source.form?.honeypot) continue;
    const key = name.toLowerCase();
    let value: FieldValue = byName.find(([pattern]) => pattern.test(key))?.[1] ?? byTarget[use.target];
    if (use.part) value = 'Alex Sample';
    if (use.mapKeys && use.mapKeys.length > 0) {
      const wanted = Array.isArray(value) ? value : [value];
      value = use.mapKeys.find((mapKey) => wanted.includes(mapKey)) ?? use.mapKeys[0] ?? value;
    }
    fields[name] = value;
  }
  return fields;
}

/** Digits for an ad network's lead id: unique enough that no two test leads share a dedupe key. */
export function sampleLeadId(): string {
  return `${Date.now()}${String(randomInt(1_000_000)).padStart(6, '0')}`;
}

const pairsOf = (fields: Record<string, FieldValue>): [string, string][] =>
  Object.entries(fields).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((item): [string, string] => [name, item]),
  );

/**
 * A realistic sample payload of the source's channel (a JSON value), filled with `sampleFields`:
 * what the network or form would post (for Meta, the lead as the Graph API returns it).
 *
 * @example
 * JSON.stringify(samplePayload(source), null, 2); // prefill for the playground
 */
export function samplePayload(source: Source, leadId = sampleLeadId()): unknown {
  const fields = sampleFields(source);
  const now = new Date();
  switch (source.channel) {
    case 'form':
      return { ...fields, utm_source: 'leadgate', utm_medium: 'test', utm_campaign: 'send-test' };
    case 'partner':
      return source.partner?.leadIdField ? { [source.partner.leadIdField]: leadId, ...fields } : fields;
    case 'google-ads':
      return {
        lead_id: leadId,
        api_version: '1.0',
        form_id: 1234567890,
        campaign_id: 9876543210,
        gcl_id: `TeSt-${leadId}`,
        is_test: true,
        user_column_data: pairsOf(fields).map(([column_id, string_value]) => ({ column_id, string_value })),
      };
    case 'meta':
      return {
        id: leadId,
        created_time: now.toISOString().replace(/\.\d{3}Z$/, '+0000'),
        form_id: source.meta?.formIds[0] ?? '1234567890123456',
        page_id: source.meta?.pageId,
        field_data: Object.entries(fields).map(([name, value]) => ({
          name,
          values: Array.isArray(value) ? value : [value],
        })),
      };
    case 'linkedin':
      return {
        id: leadId,
        formResponse: {
          answers: pairsOf(fields).map(([name, answer]) => ({
            ...(/^[A-Z_]+$/.test(name) ? { predefinedField: name } : { questionId: name }),
            answerDetails: { textQuestionAnswer: { answer } },
          })),
        },
      };
    case 'tiktok':
      return {
        entry: [
          {
            id: leadId,
            advertiser_id: source.tiktok?.advertiserId ?? '7000000000000000001',
            campaign_id: '1800000000000001',
            ad_id: '1800000000000002',
            create_time: Math.floor(now.getTime() / 1000),
            changes: pairsOf(fields).map(([field, value]) => ({ field, value })),
          },
        ],
      };
  }
}
