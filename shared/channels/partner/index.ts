import { randomUUID } from 'node:crypto';
import type { Channel } from '#shared/channels/channel.ts';
import { partnerChannel, partnerSignatureCheck } from '#shared/channels/partner/channel.ts';
import { readPartner, samplePartner } from '#shared/channels/partner/read.ts';
import { signStandardWebhook } from '#shared/security/signatures.ts';

/**
 * The partner API (`POST /v1/partners/{sourceId}/leads`: one lead or a batch), authenticated by an
 * `X-Api-Key` or a Standard Webhooks signature (https://www.standardwebhooks.com/).
 *
 * @example
 * const capture = partner.routes['POST /v1/partners/{sourceId}/leads']?.(deps);
 * partner.sign?.(signingSecret, body); // { 'webhook-id': 'msg_…', 'webhook-timestamp': '…', 'webhook-signature': 'v1,…' }
 */
export const partner: Channel = {
  name: 'partner',
  metric: 'partner',
  errors: { logChannel: 'partner' },
  routes: { 'POST /v1/partners/{sourceId}/leads': (deps) => partnerChannel(deps).capture },
  read: readPartner,
  sample: samplePartner,
  sign: (
    secret,
    body,
    at = Math.floor(Date.now() / 1000),
    id = `msg_${randomUUID().replaceAll('-', '')}`,
  ) => ({
    'webhook-id': id,
    'webhook-timestamp': String(at),
    'webhook-signature': signStandardWebhook(secret, id, String(at), body),
  }),
  verify: (secret, body, headers, at = Math.floor(Date.now() / 1000)) =>
    partnerSignatureCheck([secret], body, headers, new Date(at * 1000)).ok,
};
