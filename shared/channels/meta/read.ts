import type { ReadFacts, SampleFacts } from '#shared/channels/channel.ts';
import {
  addContext,
  flatLead,
  PayloadError,
  readJson,
  type SampleLead,
} from '#shared/channels/common/read.ts';
import { metaLeadContext, metaLeadFields } from '#shared/channels/meta/fetch.ts';
import { idString, isRecord } from '#shared/json.ts';

/**
 * A sample Meta lead as the Graph API returns it, read exactly as deliver reads the lead it fetches
 * (`metaLeadFields`, `metaLeadContext`: a question with several answers becomes one value joined
 * with `, `), plus what the webhook notification adds to the context (`$meta.leadgen_id`,
 * `$meta.page_id`, `$meta.adgroup_id`). A webhook notification is refused (it carries only the lead
 * id); a flat JSON object of field → value is read as one lead.
 *
 * @example
 * const [lead] = await readMeta('{"id": "1", "field_data": [{"name": "topics", "values": ["A", "B"]}]}', facts);
 * lead.input.fields.topics; // 'A, B'
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
  const fields = metaLeadFields(payload.field_data);
  // what capture puts in the envelope from the notification, then what deliver adds from the lead
  const context: Record<string, string> = { source: facts.source.id, receivedAt: facts.receivedAt };
  const id = idString(payload.id);
  if (id) context['meta.leadgen_id'] = id;
  addContext(context, 'meta', payload, ['page_id', 'adgroup_id']);
  Object.assign(context, metaLeadContext(payload, facts.source.id));
  return [{ input: { fields, context } }];
}

/**
 * A sample Meta lead as the Graph API returns it (what deliver fetches): `field_data[].name/values`.
 *
 * @example
 * sampleMeta({ source, fields: { email: 'a@x.test' }, leadId: '17', now }).field_data;
 * // [{ name: 'email', values: ['a@x.test'] }]
 */
export function sampleMeta({ source, fields, leadId, now }: SampleFacts) {
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
}
