import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelDeps } from '#shared/channels/channel.ts';
import { formChannel } from '#shared/channels/form/channel.ts';
import { googleAdsChannel } from '#shared/channels/google-ads/channel.ts';
import { form, googleAds, linkedin, meta, partner, tiktok } from '#shared/channels/index.ts';
import { linkedinChannel } from '#shared/channels/linkedin/channel.ts';
import { metaChannel } from '#shared/channels/meta/channel.ts';
import { partnerChannel } from '#shared/channels/partner/channel.ts';
import { tiktokChannel } from '#shared/channels/tiktok/channel.ts';
import type { HttpRequest } from '#shared/http/request.ts';
import type { HttpResult } from '#shared/http/response.ts';
import { counterValues } from '#shared/telemetry.ts';
import { answering, channelDeps, googleAdsLead, httpRequest } from '#test/support/channels.ts';

const lead = '\nlead:\n  FirstName: first_name\n  LastName: { from: last_name, default: "-" }\n';
const sources = {
  site: `channel: form\nform: { allowedOrigins: ["https://www.example.com"] }${lead}`,
  acme: `channel: partner\npartner: { apiKeys: [ACME_KEY] }${lead}`,
  gads: `channel: google-ads\ngoogleAds: { key: GADS_KEY }${lead}`,
};
const secrets = {
  ACME_KEY: 'acme-key',
  GADS_KEY: 'google-key',
  META_APP_SECRET: 'meta-secret',
  META_VERIFY_TOKEN: 'meta-token',
  LINKEDIN_CLIENT_SECRET: 'linkedin-secret',
  TIKTOK_APP_SECRET: 'tiktok-secret',
};

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function deps(): ChannelDeps {
  const made = channelDeps(sources, secrets);
  cleanups.push(made.cleanup);
  return made.deps;
}

const json = { 'content-type': 'application/json' };
const post = (path: string, body: string, headers: Record<string, string>, sourceId?: string) =>
  httpRequest({ path, body, headers, ...(sourceId ? { pathParameters: { sourceId } } : {}) });

type Case = [string, (deps: ChannelDeps) => Promise<HttpResult>, string, boolean];

/** One malformed request and one refused credential per channel. */
const cases: Case[] = [
  [
    'a form post of invalid JSON',
    (d) =>
      answering(form, formChannel(d)).capture(
        post('/v1/forms/site', '{', { ...json, origin: 'https://www.example.com' }, 'site'),
      ),
    'form',
    false,
  ],
  [
    'a partner lead with a wrong API key',
    (d) =>
      answering(partner, partnerChannel(d)).capture(
        post('/v1/partners/acme/leads', '{}', { ...json, 'x-api-key': 'x' }, 'acme'),
      ),
    'partner',
    true,
  ],
  [
    'a partner lead of invalid JSON',
    (d) =>
      answering(partner, partnerChannel(d)).capture(
        post('/v1/partners/acme/leads', '{', { ...json, 'x-api-key': 'acme-key' }, 'acme'),
      ),
    'partner',
    false,
  ],
  [
    'a Google Ads lead with a wrong google_key',
    (d) =>
      answering(googleAds, googleAdsChannel(d)).capture(
        post('/v1/webhooks/google-ads/gads', googleAdsLead({ google_key: 'x' }), json, 'gads'),
      ),
    'google_ads',
    true,
  ],
  [
    'a Google Ads lead of invalid JSON',
    (d) =>
      answering(googleAds, googleAdsChannel(d)).capture(
        post('/v1/webhooks/google-ads/gads', '{', json, 'gads'),
      ),
    'google_ads',
    false,
  ],
  [
    'a Meta notification without a signature',
    (d) => answering(meta, metaChannel(d)).capture(post('/v1/webhooks/meta', '{}', json)),
    'meta',
    true,
  ],
  [
    'a Meta verification with a wrong token',
    (d) =>
      answering(meta, metaChannel(d)).verify({
        ...post('/v1/webhooks/meta', '', {}),
        method: 'GET',
        query: { 'hub.mode': 'subscribe', 'hub.challenge': '1', 'hub.verify_token': 'x' },
      } as HttpRequest),
    'meta',
    true,
  ],
  [
    'a LinkedIn notification with a wrong signature',
    (d) =>
      answering(linkedin, linkedinChannel(d)).capture(
        post('/v1/webhooks/linkedin', '{}', { ...json, 'x-li-signature': '0' }),
      ),
    'linkedin',
    true,
  ],
  [
    'a LinkedIn validation that is no UUID',
    (d) =>
      answering(linkedin, linkedinChannel(d)).verify({
        ...post('/v1/webhooks/linkedin', '', {}),
        method: 'GET',
        query: { challengeCode: 'x' },
      } as HttpRequest),
    'linkedin',
    false,
  ],
  [
    'a TikTok notification without a signature',
    (d) => answering(tiktok, tiktokChannel(d)).capture(post('/v1/webhooks/tiktok', '{}', json)),
    'tiktok',
    true,
  ],
];

describe('per-channel rejection metrics (what the stack alarms read)', () => {
  it.each(cases)(
    '%s counts <channel>_rejected (and _signature_refused for credentials)',
    async (_name, send, channel, credential) => {
      // Prepare
      const channelDependencies = deps();
      const before = counterValues();

      // Act
      const result = await send(channelDependencies);

      // Assess
      const after = counterValues();
      const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
      const code = JSON.parse(String(result.body)).error?.code;
      expect(result.statusCode).toBeGreaterThanOrEqual(400);
      expect(result.statusCode).toBeLessThan(500);
      expect(delta(`${channel}_rejected`)).toBe(1);
      expect(delta(`${channel}_signature_refused`)).toBe(credential ? 1 : 0);
      if (code) expect(delta(`rejected_${code}`)).toBe(1);
    },
  );

  it('counts an unknown form source and a refused origin as form_rejected, not as a credential', async () => {
    // Prepare
    const forms = answering(form, formChannel(deps()));
    const before = counterValues();

    // Act
    const unknown = await forms.capture(post('/v1/forms/nope', '{}', json, 'nope'));
    expect(unknown.statusCode).toBe(404);
    const refused = await forms.capture(
      post('/v1/forms/site', '{}', { ...json, origin: 'https://evil.example' }, 'site'),
    );

    // Assess
    const after = counterValues();
    expect(refused.statusCode).toBe(403);
    expect((after.form_rejected ?? 0) - (before.form_rejected ?? 0)).toBe(2);
    expect((after.form_signature_refused ?? 0) - (before.form_signature_refused ?? 0)).toBe(0);
  });
});
