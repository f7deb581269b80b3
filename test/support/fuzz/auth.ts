import fc from 'fast-check';
import type { Channel } from '#shared/channels/channel.ts';
import { linkedin, meta, partner, signedHeaders, tiktok } from '#shared/channels/index.ts';
import type { RouteName } from '#test/support/fuzz/requests.ts';
import { fuzzSecrets } from '#test/support/fuzz/sources.ts';

/** The senders that sign, each with its channel and the fuzz secret it signs with. */
const signers = {
  meta: [meta, fuzzSecrets.META_APP_SECRET],
  linkedin: [linkedin, fuzzSecrets.LINKEDIN_CLIENT_SECRET],
  tiktok: [tiktok, fuzzSecrets.TIKTOK_APP_SECRET],
  partner: [partner, fuzzSecrets.FZ_PARTNER_SIGNING],
} as const satisfies Record<string, readonly [Channel, string]>;

/** TikTok's signing time in the fuzz requests (TikTok's signature does not expire). */
const TIKTOK_SIGNED_AT = 1714644422;

/**
 * The headers `sender` signs `body` with under the fuzz secrets: its channel's `sign`, through the
 * registry (`signedHeaders`). Partners sign at `at` (default now; the gateway refuses ±5 minutes off).
 *
 * @example
 * signed('meta', body); // { 'x-hub-signature-256': 'sha256=…' }
 */
export function signed(sender: keyof typeof signers, body: Buffer, at = new Date()): Record<string, string> {
  const [channel, secret] = signers[sender];
  if (sender === 'tiktok') return signedHeaders(channel, secret, body, TIKTOK_SIGNED_AT);
  return signedHeaders(channel, secret, body, Math.floor(at.getTime() / 1000), `msg_fuzz_${at.getTime()}`);
}

/** How the sender authenticates: correctly (mostly), wrongly, or not at all. */
export type AuthMode = 'valid' | 'wrong' | 'garbage' | 'missing' | 'api-key' | 'both';
export const authMode: fc.Arbitrary<AuthMode> = fc.oneof(
  { weight: 8, arbitrary: fc.constant('valid' as const) },
  { weight: 2, arbitrary: fc.constantFrom('wrong', 'garbage', 'missing', 'api-key', 'both') },
);

/** `headers` with every value replaced by `garbage`. */
const garbled = (headers: Record<string, string>, garbage: string) =>
  Object.fromEntries(Object.keys(headers).map((name) => [name, garbage]));

/** The authentication headers of a request to `route` with `body`. */
export function authHeaders(
  route: RouteName,
  body: Buffer,
  mode: AuthMode,
  garbage: string,
): Record<string, string> {
  if (mode === 'missing') return {};
  const wrong = Buffer.concat([body, Buffer.from(' ')]);
  switch (route) {
    case 'meta':
    case 'linkedin':
    case 'tiktok':
      return mode === 'garbage'
        ? garbled(signed(route, body), garbage)
        : signed(route, mode === 'wrong' ? wrong : body);
    case 'partner': {
      const key = { 'x-api-key': fuzzSecrets.FZ_PARTNER_KEY };
      if (mode === 'api-key') return key;
      if (mode === 'both') return { ...key, ...signed('partner', body) };
      if (mode === 'garbage') return garbled(signed('partner', body), garbage);
      return mode === 'wrong' ? { 'x-api-key': `${fuzzSecrets.FZ_PARTNER_KEY}x` } : signed('partner', body);
    }
    default:
      return {};
  }
}
