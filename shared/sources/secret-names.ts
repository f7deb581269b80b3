import { LINKEDIN_CLIENT_SECRET } from '#shared/channels/linkedin/channel.ts';
import { LINKEDIN_ACCESS_TOKEN } from '#shared/channels/linkedin/fetch.ts';
import { META_APP_SECRET, META_VERIFY_TOKEN } from '#shared/channels/meta/channel.ts';
import { TIKTOK_APP_SECRET } from '#shared/channels/tiktok/channel.ts';
import type { SecretSide, SecretStore } from '#shared/security/secrets.ts';
import type { Source } from '#shared/sources/schema.ts';

/**
 * The secret NAMES a source needs, never their values: the ones its file gives (partner `apiKeys` and
 * `signingSecrets`, `googleAds.key`, `meta.pageToken`) and the gateway-level ones its channel needs
 * (`META_APP_SECRET`, `META_VERIFY_TOKEN`, `LINKEDIN_CLIENT_SECRET`, `TIKTOK_APP_SECRET`,
 * `LINKEDIN_ACCESS_TOKEN`), each with the side that reads it: `gateway` (capture's verification
 * secrets, `.leadgate/gateway-secrets.env` on one machine) or `api` (deliver's API tokens,
 * `.leadgate/api-tokens.env`); a form's `captcha.secret` is a gateway secret. A new setting that names
 * a secret belongs in `secretReferences`, so the dashboard notice and `leadgate sources check` list it.
 */
export interface SecretReference {
  /** The secret's name, e.g. `ACME_API_KEY`. */
  name: string;
  /** Which store holds it: the gateway secrets or the API tokens. */
  side: SecretSide;
  /** The setting of the source file that names it (`partner.apiKeys`, `meta.pageToken`...); absent for a
   * secret every source of the channel needs (`META_APP_SECRET`...). */
  setting?: string;
}

/** A source with the secrets it references that its store does not hold. */
export interface MissingSecrets {
  sourceId: string;
  channel: Source['channel'];
  missing: SecretReference[];
}

/**
 * Every secret name `source` references, in file order, the channel's own names first.
 *
 * @example
 * secretReferences(acme); // [{ name: 'ACME_API_KEY', side: 'gateway', setting: 'partner.apiKeys' }]
 */
export function secretReferences(source: Source): SecretReference[] {
  const gateway = (name: string, setting?: string): SecretReference =>
    setting ? { name, side: 'gateway', setting } : { name, side: 'gateway' };
  const api = (name: string, setting?: string): SecretReference =>
    setting ? { name, side: 'api', setting } : { name, side: 'api' };
  switch (source.channel) {
    case 'partner':
      return [
        ...(source.partner?.apiKeys ?? []).map((name) => gateway(name, 'partner.apiKeys')),
        ...(source.partner?.signingSecrets ?? []).map((name) => gateway(name, 'partner.signingSecrets')),
      ];
    case 'google-ads':
      return source.googleAds ? [gateway(source.googleAds.key, 'googleAds.key')] : [];
    case 'meta':
      return [
        gateway(META_APP_SECRET),
        gateway(META_VERIFY_TOKEN),
        ...(source.meta ? [api(source.meta.pageToken, 'meta.pageToken')] : []),
      ];
    case 'linkedin':
      return [gateway(LINKEDIN_CLIENT_SECRET), api(LINKEDIN_ACCESS_TOKEN)];
    case 'tiktok':
      return [gateway(TIKTOK_APP_SECRET)];
    case 'form':
      return source.form?.captcha ? [gateway(source.form.captcha.secret, 'form.captcha.secret')] : [];
    default:
      return [];
  }
}

/**
 * The sources (sorted by id) with at least one referenced secret that `stores` do not hold, each with
 * the missing names. Only the stores' `get` is called; no value leaves this function.
 *
 * @example
 * await missingSecrets(sources.all(), { gateway: gatewaySecrets, api: apiTokens });
 * // [{ sourceId: 'acme', channel: 'partner', missing: [{ name: 'ACME_API_KEY', side: 'gateway', ... }] }]
 */
export async function missingSecrets(
  sources: Iterable<Source>,
  stores: Readonly<Record<SecretSide, SecretStore>>,
): Promise<MissingSecrets[]> {
  const found: MissingSecrets[] = [];
  for (const source of [...sources].sort((a, b) => a.id.localeCompare(b.id))) {
    const references = uniqueReferences(secretReferences(source));
    const set = await Promise.all(
      references.map(async (reference) => isSet(stores[reference.side], reference.name)),
    );
    const missing = references.filter((_, index) => !set[index]);
    if (missing.length > 0) found.push({ sourceId: source.id, channel: source.channel, missing });
  }
  return found;
}

async function isSet(store: SecretStore, name: string): Promise<boolean> {
  try {
    return (await store.get(name)) !== undefined;
  } catch {
    return false;
  }
}

function uniqueReferences(references: SecretReference[]): SecretReference[] {
  const seen = new Set<string>();
  return references.filter((reference) => {
    const key = `${reference.side}:${reference.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
