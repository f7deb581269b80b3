import { linkedinRouter } from '#shared/channels/linkedin.ts';
import { metaRouter } from '#shared/channels/meta.ts';
import { tiktokRouter } from '#shared/channels/tiktok.ts';
import type { WebhookRouter } from '#shared/channels/types.ts';
import type { Channel } from '#shared/sources/schema.ts';

/** Deliver-side routing of envelopes captured as unrouted, per webhook channel. */
export const webhookRouters: Partial<Record<Channel, WebhookRouter>> = {
  meta: metaRouter,
  linkedin: linkedinRouter,
  tiktok: tiktokRouter,
};
