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

/**
 * A realistic sample payload of the source's channel (a JSON value), filled with `sampleFields`:
 * what the network or form would post (for Meta, the lead as the Graph API returns it).
 *
 * @example
 * JSON.stringify(samplePayload(source), null, 2); // prefill for the playground
 */
export function samplePayload(source: Source, leadId = sampleLeadId()): unknown {
  const channel = registry.find((candidate) => candidate.name === source.channel);
  if (!channel?.sample) throw new Error(`the ${source.channel} channel writes no sample payload`);
  return channel.sample({ source, fields: sampleFields(source), leadId, now: new Date() });
}
