import type { Channel } from '#shared/channels/channel.ts';
import { metaChannel, metaRouter, metaSignatureMatches } from '#shared/channels/meta/channel.ts';
import { DEFAULT_GRAPH_URL, DEFAULT_GRAPH_VERSION, metaResolver } from '#shared/channels/meta/fetch.ts';
import { readMeta, sampleMeta } from '#shared/channels/meta/read.ts';
import { env, setting } from '#shared/config.ts';
import { hmacSha256Hex } from '#shared/security/signatures.ts';

/**
 * Meta Lead Ads: subscription check and leadgen notifications; leads are fetched from the Graph API in
 * deliver (`META_GRAPH_URL`, `META_GRAPH_VERSION`, or the local fake's URL).
 *
 * @example
 * const resolver = meta.fetch?.({ secrets, timeoutMs: 10_000 });
 */
export const meta: Channel = {
  name: 'meta',
  metric: 'meta',
  errors: { logChannel: 'meta' },
  routes: {
    'GET /v1/webhooks/meta': (deps) => metaChannel(deps).verify,
    'POST /v1/webhooks/meta': (deps) => metaChannel(deps).capture,
  },
  read: readMeta,
  sample: sampleMeta,
  sign: (secret, body) => ({ 'x-hub-signature-256': `sha256=${hmacSha256Hex(secret, body)}` }),
  verify: (secret, body, headers) => metaSignatureMatches(secret, body, headers['x-hub-signature-256']),
  route: metaRouter,
  fetch: ({ secrets, timeoutMs, urls }) =>
    metaResolver({
      graphUrl: urls?.graphUrl ?? setting(env.metaGraphUrl, DEFAULT_GRAPH_URL),
      graphVersion: setting(env.metaGraphVersion, DEFAULT_GRAPH_VERSION),
      secrets,
      timeoutMs,
    }),
};
