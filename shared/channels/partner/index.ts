import type { Channel } from '#shared/channels/channel.ts';
import { partnerChannel } from '#shared/channels/partner/channel.ts';
import { readPartner } from '#shared/channels/partner/read.ts';

/**
 * The partner API (`POST /v1/partners/{sourceId}/leads`: one lead or a batch).
 *
 * @example
 * const capture = partner.routes['POST /v1/partners/{sourceId}/leads']?.(deps);
 */
export const partner: Channel = {
  name: 'partner',
  metric: 'partner',
  errors: { logChannel: 'partner' },
  routes: { 'POST /v1/partners/{sourceId}/leads': (deps) => partnerChannel(deps).capture },
  read: readPartner,
};
