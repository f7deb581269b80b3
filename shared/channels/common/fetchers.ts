import {
  DEFAULT_LINKEDIN_API_URL,
  DEFAULT_LINKEDIN_VERSION,
  linkedinResolver,
} from '#shared/channels/linkedin/fetch.ts';
import { DEFAULT_GRAPH_URL, DEFAULT_GRAPH_VERSION, metaResolver } from '#shared/channels/meta/fetch.ts';
import { env, setting } from '#shared/config.ts';
import type { DeliveryDeps } from '#shared/delivery/deliver.ts';
import type { SecretStore } from '#shared/security/secrets.ts';

/**
 * Deliver's lead fetchers for the channels whose notifications carry only an id (Meta, LinkedIn),
 * configured from the environment; `urls` overrides the base URLs (the local fakes).
 *
 * @example
 * leadDelivery({ ...deps, resolvers: leadResolvers(secrets, { graphUrl: 'http://127.0.0.1:3003' }) });
 */
export function leadResolvers(
  secrets: SecretStore,
  urls: { graphUrl?: string | undefined; linkedinUrl?: string | undefined } = {},
): NonNullable<DeliveryDeps['resolvers']> {
  const timeoutMs = Number(setting(env.leadFetchTimeoutMs, '10000'));
  return {
    meta: metaResolver({
      graphUrl: urls.graphUrl ?? setting(env.metaGraphUrl, DEFAULT_GRAPH_URL),
      graphVersion: setting(env.metaGraphVersion, DEFAULT_GRAPH_VERSION),
      secrets,
      timeoutMs,
    }),
    linkedin: linkedinResolver({
      apiUrl: urls.linkedinUrl ?? setting(env.linkedinApiUrl, DEFAULT_LINKEDIN_API_URL),
      version: setting(env.linkedinApiVersion, DEFAULT_LINKEDIN_VERSION),
      secrets,
      timeoutMs,
    }),
  };
}
