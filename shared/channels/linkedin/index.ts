import type { Channel } from '#shared/channels/channel.ts';
import {
  linkedinChannel,
  linkedinRouter,
  linkedinSignatureMatches,
} from '#shared/channels/linkedin/channel.ts';
import {
  DEFAULT_LINKEDIN_API_URL,
  DEFAULT_LINKEDIN_VERSION,
  linkedinResolver,
} from '#shared/channels/linkedin/fetch.ts';
import { readLinkedin, sampleLinkedin } from '#shared/channels/linkedin/read.ts';
import { env, setting } from '#shared/config.ts';
import { hmacSha256Hex } from '#shared/security/signatures.ts';

/**
 * LinkedIn Lead Sync: challenge and lead notifications; leads are fetched from the LinkedIn API in
 * deliver (`LINKEDIN_API_URL`, `LINKEDIN_API_VERSION`, or the local fake's URL).
 *
 * @example
 * const resolver = linkedin.fetch?.({ secrets, timeoutMs: 10_000 });
 */
export const linkedin: Channel = {
  name: 'linkedin',
  metric: 'linkedin',
  errors: { logChannel: 'linkedin' },
  routes: {
    'GET /v1/webhooks/linkedin': (deps) => linkedinChannel(deps).verify,
    'POST /v1/webhooks/linkedin': (deps) => linkedinChannel(deps).capture,
  },
  read: readLinkedin,
  sample: sampleLinkedin,
  sign: (secret, body) => ({ 'x-li-signature': hmacSha256Hex(secret, ['hmacsha256=', body]) }),
  verify: (secret, body, headers) => linkedinSignatureMatches(secret, body, headers['x-li-signature']),
  route: linkedinRouter,
  fetch: ({ secrets, timeoutMs, urls }) =>
    linkedinResolver({
      apiUrl: urls?.linkedinUrl ?? setting(env.linkedinApiUrl, DEFAULT_LINKEDIN_API_URL),
      version: setting(env.linkedinApiVersion, DEFAULT_LINKEDIN_VERSION),
      secrets,
      timeoutMs,
    }),
};
