import type { Channel } from '#shared/channels/channel.ts';
import { tiktokChannel, tiktokEntryInput, tiktokRouter } from '#shared/channels/tiktok/channel.ts';

/**
 * TikTok lead webhooks (`TikTok-Signature`); unrouted leads are routed again in deliver.
 *
 * @example
 * const capture = tiktok.routes['POST /v1/webhooks/tiktok']?.(deps);
 */
export const tiktok: Channel = {
  name: 'tiktok',
  metric: 'tiktok',
  errors: { logChannel: 'tiktok' },
  routes: { 'POST /v1/webhooks/tiktok': (deps) => tiktokChannel(deps).capture },
  read: (entry, { sourceId, receivedAt }) => tiktokEntryInput(entry, sourceId, receivedAt),
  route: tiktokRouter,
};
