import type { Channel } from '#shared/channels/channel.ts';
import { googleAdsChannel } from '#shared/channels/google-ads/channel.ts';
import { readGoogleAds, sampleGoogleAds } from '#shared/channels/google-ads/read.ts';

/**
 * Google Ads lead form webhooks; rejections answer Google's own shape `{"message": "..."}`.
 *
 * @example
 * const capture = googleAds.routes['POST /v1/webhooks/google-ads/{sourceId}']?.(deps);
 */
export const googleAds: Channel = {
  name: 'google-ads',
  metric: 'google_ads',
  errors: { style: 'message', logChannel: 'google-ads' },
  routes: { 'POST /v1/webhooks/google-ads/{sourceId}': (deps) => googleAdsChannel(deps).capture },
  read: readGoogleAds,
  sample: sampleGoogleAds,
};
