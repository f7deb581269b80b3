import { describe, expect, it } from 'vitest';
import { secretStore } from '#shared/security/secrets.ts';
import { parseSource } from '#shared/sources/loader.ts';
import type { Source } from '#shared/sources/schema.ts';
import { missingSecrets, secretReferences } from '#shared/sources/secret-names.ts';

const lead = 'lead:\n  FirstName: first_name\n  LastName: last_name\n';

function source(id: string, settings: string): Source {
  const parsed = parseSource(id, `${settings}\n${lead}`);
  if (!parsed.ok) throw new Error(parsed.problems.map((problem) => problem.message).join('; '));
  return parsed.source;
}

const form = source('contact', 'channel: form\nform: { allowedOrigins: ["*"] }');
const guarded = source(
  'guarded-contact',
  'channel: form\nform: { allowedOrigins: ["*"], captcha: { provider: turnstile, secret: TURNSTILE_SECRET } }',
);
const gads = source('gads-spring', 'channel: google-ads\ngoogleAds: { key: GADS_SPRING_KEY }');
const linkedin = source('linkedin-webinar', 'channel: linkedin');
const tiktok = source('tiktok-spring', 'channel: tiktok\ntiktok: { advertiserId: "7000000000000000001" }');
const partner = source(
  'acme',
  'channel: partner\npartner: { apiKeys: [ACME_API_KEY, ACME_API_KEY], signingSecrets: [ACME_SIGNING_SECRET] }',
);

describe('the secret names a source needs', () => {
  it('names each channel’s secrets with the side that reads them', () => {
    // Act
    const references = Object.fromEntries(
      [form, guarded, gads, linkedin, tiktok].map((item) => [item.id, secretReferences(item)]),
    );

    // Assess
    expect(references).toEqual({
      contact: [],
      'guarded-contact': [{ name: 'TURNSTILE_SECRET', side: 'gateway', setting: 'form.captcha.secret' }],
      'gads-spring': [{ name: 'GADS_SPRING_KEY', side: 'gateway', setting: 'googleAds.key' }],
      'linkedin-webinar': [
        { name: 'LINKEDIN_CLIENT_SECRET', side: 'gateway' },
        { name: 'LINKEDIN_ACCESS_TOKEN', side: 'api' },
      ],
      'tiktok-spring': [{ name: 'TIKTOK_APP_SECRET', side: 'gateway' }],
    });
  });

  it('lists only the sources missing a secret, each name once, looking in the store of its side', async () => {
    // Prepare: the access token is in the gateway store, where deliver never looks
    const gateway = secretStore(async () => ({ ACME_SIGNING_SECRET: 'set', LINKEDIN_ACCESS_TOKEN: 'set' }));
    const api = secretStore(async () => ({ LINKEDIN_CLIENT_SECRET: 'set' }));

    // Act
    const missing = await missingSecrets([tiktok, partner, form, linkedin], { gateway, api });

    // Assess
    expect(missing).toEqual([
      {
        sourceId: 'acme',
        channel: 'partner',
        missing: [{ name: 'ACME_API_KEY', side: 'gateway', setting: 'partner.apiKeys' }],
      },
      {
        sourceId: 'linkedin-webinar',
        channel: 'linkedin',
        missing: [
          { name: 'LINKEDIN_CLIENT_SECRET', side: 'gateway' },
          { name: 'LINKEDIN_ACCESS_TOKEN', side: 'api' },
        ],
      },
      {
        sourceId: 'tiktok-spring',
        channel: 'tiktok',
        missing: [{ name: 'TIKTOK_APP_SECRET', side: 'gateway' }],
      },
    ]);
  });
});

describe('the secret names of a partner that only signs', () => {
  it('names its signing secrets alone', () => {
    // Prepare
    const signing = source(
      'signing-partner',
      'channel: partner\npartner: { signingSecrets: [PARTNER_HMAC] }',
    );

    // Act
    const references = secretReferences(signing);

    // Assess
    expect(references).toEqual([
      { name: 'PARTNER_HMAC', side: 'gateway', setting: 'partner.signingSecrets' },
    ]);
  });
});

describe('missingSecrets with a store that cannot be read', () => {
  it('counts every secret of that store as missing, without failing', async () => {
    // Prepare
    const broken = {
      get: async () => {
        throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      },
      require: async () => {
        throw new Error('denied');
      },
    };
    const api = secretStore(async () => ({}));

    // Act
    const missing = await missingSecrets([tiktok], { gateway: broken, api });

    // Assess
    expect(missing).toEqual([
      {
        sourceId: 'tiktok-spring',
        channel: 'tiktok',
        missing: [{ name: 'TIKTOK_APP_SECRET', side: 'gateway' }],
      },
    ]);
  });
});
