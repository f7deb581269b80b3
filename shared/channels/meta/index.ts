import type { Channel } from '#shared/channels/channel.ts';
import { metaChannel, metaRouter } from '#shared/channels/meta/channel.ts';
import { DEFAULT_GRAPH_URL, DEFAULT_GRAPH_VERSION, metaResolver } from '#shared/channels/meta/fetch.ts';
import { env, setting } from '#shared/config.ts';

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
  route: metaRouter,
  fetch: ({ secrets, timeoutMs, urls }) =>
    metaResolver({
      graphUrl: urls?.graphUrl ?? setting(env.metaGraphUrl, DEFAULT_GRAPH_URL),
      graphVersion: setting(env.metaGraphVersion, DEFAULT_GRAPH_VERSION),
      secrets,
      timeoutMs,
    }),
};
