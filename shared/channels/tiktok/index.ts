import type { Channel } from '#shared/channels/channel.ts';
import { tiktokChannel, tiktokRouter, tiktokSignatureValid } from '#shared/channels/tiktok/channel.ts';
import { readTiktok, sampleTiktok } from '#shared/channels/tiktok/read.ts';
import { hmacSha256Hex } from '#shared/security/signatures.ts';

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
  read: readTiktok,
  sample: sampleTiktok,
  sign: (secret, body, at = Math.floor(Date.now() / 1000)) => ({
    // https://developers.tiktok.com/doc/webhooks-verification: t=<unix seconds>,s=<hex HMAC of "<t>.<body>">
    'tiktok-signature': `t=${at},s=${hmacSha256Hex(secret, [`${at}.`, body])}`,
  }),
  verify: (secret, body, headers) => tiktokSignatureValid(secret, body, headers['tiktok-signature']),
  route: tiktokRouter,
};
