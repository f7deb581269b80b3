import type { WebhookRouter } from '#shared/channels/channel.ts';
import { linkedinRouter } from '#shared/channels/linkedin/channel.ts';
import { metaRouter } from '#shared/channels/meta/channel.ts';
import { tiktokRouter } from '#shared/channels/tiktok/channel.ts';
import type { Channel } from '#shared/sources/schema.ts';

/** Deliver-side routing of envelopes captured as unrouted, per webhook channel. */
export const webhookRouters: Partial<Record<Channel, WebhookRouter>> = {
  meta: metaRouter,
  linkedin: linkedinRouter,
  tiktok: tiktokRouter,
};
