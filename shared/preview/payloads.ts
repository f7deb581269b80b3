import { randomInt } from 'node:crypto';
import { PayloadError, type SampleLead } from '#shared/channels/common/read.ts';
import { encodeLines } from '#shared/channels/form/read.ts';
import { registry } from '#shared/channels/index.ts';
import type { FieldValue } from '#shared/envelope.ts';
import type { LeadsinTextField } from '#shared/onpipeline/schema.ts';
import type { Source, ValueExpression } from '#shared/sources/schema.ts';

/**
 * Sample payloads per channel, both ways:
 * - `leadInputs` reads a sample payload as the channel would (input fields + `$` context), for
 *   `leadgate sources preview` and the dashboard playground: each channel's own reader
 *   (`Channel.read`, in `shared/channels/<name>/read.ts`) knows its wire format;
 * - `samplePayload` writes a realistic payload for a source, from the field names its mapping reads,
 *   for `leadgate send-test` and to prefill the playground.
 */

export { encodeLines, PayloadError, type SampleLead };

export interface ReadOptions {
  /** The page the form was on (for `$referer`, `$utm.*` from its query string). */
  referer?: string | undefined;
  now?: Date;
}

/**
 * Reads a sample payload of a source's channel into the leads capture would queue, with the
 * channel's own reader (`Channel.read`).
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
  const channel = registry.find((candidate) => candidate.name === source.channel);
  if (!channel?.read) throw new PayloadError(`the ${source.channel} channel has no reader`);
  return channel.read(text, { source, receivedAt, referer: options.referer });
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
          answers: Object.entries(fields).map(([name, answer]) => ({
            ...(/^[A-Z_]+$/.test(name) ? { predefinedField: name } : { questionId: name }),
            answerDetails: Array.isArray(answer)
              ? { multipleChoiceAnswer: { options: answer } }
              : { textQuestionAnswer: { answer } },
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
