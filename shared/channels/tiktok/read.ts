import type { ReadFacts, SampleFacts } from '#shared/channels/channel.ts';
import {
  fieldPairs,
  flatLead,
  PayloadError,
  readJson,
  type SampleLead,
} from '#shared/channels/common/read.ts';
import { tiktokEntryInput } from '#shared/channels/tiktok/channel.ts';
import { isRecord } from '#shared/json.ts';

/**
 * A sample TikTok notification (`entry[].changes[].field`) or one entry, each entry read by the
 * channel's own reader (`tiktokEntryInput`); a flat JSON object of field → value is read as one lead.
 *
 * @example
 * const leads = await readTiktok('{"entry": [{"id": "1", "changes": [...]}]}', facts);
 */
export async function readTiktok(text: string, facts: ReadFacts): Promise<SampleLead[]> {
  const payload = readJson(text);
  const entries = isRecord(payload)
    ? Array.isArray(payload.entry)
      ? payload.entry
      : Array.isArray(payload.changes)
        ? [payload]
        : undefined
    : undefined;
  if (!entries) return [await flatLead(payload, facts)];
  if (entries.length === 0) throw new PayloadError('the notification has an empty entry list');
  return entries.map((entry) => {
    if (!isRecord(entry)) throw new PayloadError('every entry must be an object with changes');
    const { fields, context } = tiktokEntryInput(entry, facts.source.id, facts.receivedAt);
    return { input: { fields, context } };
  });
}

/**
 * A sample TikTok lead notification with one lead of the source's advertiser, each field a change.
 *
 * @example
 * sampleTiktok({ source, fields: { email: 'a@x.test' }, leadId: '17', now }).entry[0].changes;
 * // [{ field: 'email', value: 'a@x.test' }]
 */
export function sampleTiktok({ source, fields, leadId, now }: SampleFacts) {
  return {
    entry: [
      {
        id: leadId,
        advertiser_id: source.tiktok?.advertiserId ?? '7000000000000000001',
        campaign_id: '1800000000000001',
        ad_id: '1800000000000002',
        create_time: Math.floor(now.getTime() / 1000),
        changes: fieldPairs(fields).map(([field, value]) => ({ field, value })),
      },
    ],
  };
}
