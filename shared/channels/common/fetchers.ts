import { leadFetchers } from '#shared/channels/index.ts';
import { env, setting } from '#shared/config.ts';
import type { DeliveryDeps } from '#shared/delivery/deliver.ts';
import type { SecretStore } from '#shared/security/secrets.ts';

/**
 * Deliver's lead fetchers for the channels whose notifications carry only an id (Meta, LinkedIn),
 * from the channel registry, configured from the environment; `urls` overrides the base URLs (the
 * local fakes).
 *
 * @example
 * leadDelivery({ ...deps, resolvers: leadResolvers(secrets, { graphUrl: 'http://127.0.0.1:3003' }) });
 */
export function leadResolvers(
  secrets: SecretStore,
  urls: { graphUrl?: string | undefined; linkedinUrl?: string | undefined } = {},
): NonNullable<DeliveryDeps['resolvers']> {
  const timeoutMs = Number(setting(env.leadFetchTimeoutMs, '10000'));
  return leadFetchers({ secrets, timeoutMs, urls });
}
