import fc from 'fast-check';
import { signLinkedin } from '#test/support/fuzz/channels/linkedin.ts';
import { signMeta } from '#test/support/fuzz/channels/meta.ts';
import { signPartner } from '#test/support/fuzz/channels/partner.ts';
import { signTiktok } from '#test/support/fuzz/channels/tiktok.ts';
import type { RouteName } from '#test/support/fuzz/requests.ts';
import { fuzzSecrets } from '#test/support/fuzz/sources.ts';

/** Each sender's signature over a body, with the fuzz secrets (`test/support/fuzz/channels/`). */
export const sign = {
  meta: signMeta,
  linkedin: signLinkedin,
  tiktok: signTiktok,
  partner: signPartner,
};

/** How the sender authenticates: correctly (mostly), wrongly, or not at all. */
export type AuthMode = 'valid' | 'wrong' | 'garbage' | 'missing' | 'api-key' | 'both';
export const authMode: fc.Arbitrary<AuthMode> = fc.oneof(
  { weight: 8, arbitrary: fc.constant('valid' as const) },
  { weight: 2, arbitrary: fc.constantFrom('wrong', 'garbage', 'missing', 'api-key', 'both') },
);

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
      return {
        'x-hub-signature-256': mode === 'garbage' ? garbage : sign.meta(mode === 'wrong' ? wrong : body),
      };
    case 'linkedin':
      return {
        'x-li-signature': mode === 'garbage' ? garbage : sign.linkedin(mode === 'wrong' ? wrong : body),
      };
    case 'tiktok':
      return {
        'tiktok-signature': mode === 'garbage' ? garbage : sign.tiktok(mode === 'wrong' ? wrong : body),
      };
    case 'partner': {
      const key = { 'x-api-key': fuzzSecrets.FZ_PARTNER_KEY };
      if (mode === 'api-key') return key;
      if (mode === 'both') return { ...key, ...sign.partner(body) };
      if (mode === 'garbage')
        return { 'webhook-id': garbage, 'webhook-timestamp': garbage, 'webhook-signature': garbage };
      return mode === 'wrong' ? { 'x-api-key': `${fuzzSecrets.FZ_PARTNER_KEY}x` } : sign.partner(body);
    }
    default:
      return {};
  }
}
