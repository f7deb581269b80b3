import type { ReadFacts } from '#shared/channels/channel.ts';
import { flatLead, readJson, type SampleLead } from '#shared/channels/common/read.ts';
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
