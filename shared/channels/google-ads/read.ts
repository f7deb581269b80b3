import type { ReadFacts, SampleFacts } from '#shared/channels/channel.ts';
import { fieldPairs, flatLead, readJson, type SampleLead } from '#shared/channels/common/read.ts';
import { googleAdsInput } from '#shared/channels/google-ads/channel.ts';
import { isRecord } from '#shared/json.ts';

/**
 * A sample Google Ads webhook body (`user_column_data[].column_id`), read by the channel's own reader
 * (`googleAdsInput`); a flat JSON object of field → value is read as one lead.
 *
 * @example
 * const [lead] = await readGoogleAds('{"lead_id": "1", "user_column_data": [...]}', facts);
 */
export async function readGoogleAds(text: string, facts: ReadFacts): Promise<SampleLead[]> {
  const payload = readJson(text);
  if (!isRecord(payload) || !Array.isArray(payload.user_column_data)) return [await flatLead(payload, facts)];
  const { fields, context } = googleAdsInput(payload, facts.source.id, facts.receivedAt);
  return [{ input: { fields, context } }];
}

/**
 * A sample Google Ads lead form webhook (a test lead), each field a `user_column_data` column. The
 * key (`google_key`) is added by whoever sends it (`withGoogleKey`).
 *
 * @example
 * sampleGoogleAds({ source, fields: { EMAIL: 'a@x.test' }, leadId: '17', now }).user_column_data;
 * // [{ column_id: 'EMAIL', string_value: 'a@x.test' }]
 */
export function sampleGoogleAds({ fields, leadId }: SampleFacts) {
  return {
    lead_id: leadId,
    api_version: '1.0',
    form_id: 1234567890,
    campaign_id: 9876543210,
    gcl_id: `TeSt-${leadId}`,
    is_test: true,
    user_column_data: fieldPairs(fields).map(([column_id, string_value]) => ({ column_id, string_value })),
  };
}
