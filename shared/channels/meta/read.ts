import type { ReadFacts } from '#shared/channels/channel.ts';
import {
  addContext,
  baseContext,
  collect,
  flatLead,
  PayloadError,
  readJson,
  type SampleLead,
} from '#shared/channels/common/read.ts';
import { idString, isRecord } from '#shared/json.ts';

/**
 * A sample Meta lead as the Graph API returns it (`field_data[].name/values`; a field with several
 * values becomes a list), with its ids in the context (`$meta.leadgen_id`, `$meta.form_id`...). A
 * webhook notification is refused (it carries only the lead id); a flat JSON object of field → value
 * is read as one lead.
 *
 * @example
 * const [lead] = await readMeta('{"id": "1", "field_data": [{"name": "email", "values": ["a@x.test"]}]}', facts);
 * lead.input.fields.email; // 'a@x.test'
 */
export async function readMeta(text: string, facts: ReadFacts): Promise<SampleLead[]> {
  const payload = readJson(text);
  if (isRecord(payload) && Array.isArray(payload.entry)) {
    throw new PayloadError(
      'this is a Meta webhook notification: it carries only the lead id. Paste the lead as the Graph API ' +
        'returns it: {"id": "...", "field_data": [{"name": "email", "values": ["..."]}]}',
    );
  }
  if (!isRecord(payload) || !Array.isArray(payload.field_data)) return [await flatLead(payload, facts)];
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
  const context = baseContext(facts, fields);
  const id = idString(payload.id);
  if (id) context['meta.leadgen_id'] = id;
  addContext(context, 'meta', payload, ['form_id', 'ad_id', 'adgroup_id', 'page_id', 'created_time']);
  return [{ input: { fields, context } }];
}
