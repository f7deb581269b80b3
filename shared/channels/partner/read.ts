import type { ReadFacts, SampleFacts } from '#shared/channels/channel.ts';
import { flatLead, PayloadError, readJson, type SampleLead } from '#shared/channels/common/read.ts';

/**
 * A sample partner body: one lead (a JSON object of field → value, nested objects flattened as the
 * partner API flattens them) or a batch (an array of them).
 *
 * @example
 * const leads = await readPartner('[{"email": "a@x.test"}, {"email": "b@x.test"}]', facts); // 2 leads
 */
export async function readPartner(text: string, facts: ReadFacts): Promise<SampleLead[]> {
  const payload = readJson(text);
  const items = Array.isArray(payload) ? payload : [payload];
  if (items.length === 0) throw new PayloadError('the batch is an empty list');
  return Promise.all(items.map((item) => flatLead(item, facts)));
}

/**
 * A sample partner lead: the fields, with the lead id in the source's `leadIdField` when it has one.
 *
 * @example
 * samplePartner({ source, fields: { email: 'a@x.test' }, leadId: '17', now }); // { ref: '17', email: 'a@x.test' }
 */
export function samplePartner({ source, fields, leadId }: SampleFacts): unknown {
  return source.partner?.leadIdField ? { [source.partner.leadIdField]: leadId, ...fields } : fields;
}
