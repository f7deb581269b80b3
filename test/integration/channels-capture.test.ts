import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime.ts';
import { secretStore } from '#shared/security/secrets.ts';
import {
  bigIds,
  googleAdsLead,
  standardWebhookHeaders,
  tiktokNotification,
  tiktokSignature,
} from '#test/support/channels.ts';
import {
  eventually,
  queueDrained,
  sandboxLeads,
  startTestRuntime,
  testWorkspace,
} from '#test/support/runtime.ts';

const secrets = {
  ONPIPELINE_TOKEN: 'sandbox-token',
  GADS_IT_KEY: 'it-google-key',
  TIKTOK_APP_SECRET: 'it-tiktok-app-secret',
  ACME_IT_KEY: 'it-acme-key-old',
  ACME_IT_KEY_NEXT: 'it-acme-key-new',
  ACME_IT_SIGNING: `whsec_${Buffer.from('it-acme-signing-secret-24-bytes').toString('base64')}`,
};

const sources = {
  'it-google': `channel: google-ads
googleAds: { key: GADS_IT_KEY }
lead:
  FirstName: { from: FULL_NAME, part: first }
  LastName: { from: FULL_NAME, part: last, default: "-" }
  Email:
    - { from: EMAIL, transform: lower }
  Phone:
    - { from: PHONE_NUMBER }
  Extra:
    - { id: "1411084437", value: Google Ads }
    - { id: "1411084438", from: $google.campaign_id }
    - { id: "1411084442", from: $click.gclid }
`,
  'it-tiktok': `channel: tiktok
tiktok: { advertiserId: "${bigIds.advertiser}" }
lead:
  FirstName: { from: name, part: first }
  LastName: { from: name, part: last, default: "-" }
  Email:
    - { from: email }
  Extra:
    - { id: "1411084437", value: TikTok }
    - { id: "1411084438", from: $tiktok.ad_id }
    - { id: "1411084440", from: interests }
`,
  'it-acme': `channel: partner
partner: { apiKeys: [ACME_IT_KEY, ACME_IT_KEY_NEXT], signingSecrets: [ACME_IT_SIGNING], leadIdField: ref }
lead:
  FirstName: first_name
  LastName: last_name
  Email:
    - { from: email }
  Extra:
    - { id: "1411084437", value: Acme }
    - { id: "1411084443", from: job }
`,
};

describe('Google Ads, TikTok and partner feeds → queue → deliver → Onpipeline sandbox', () => {
  const workspace = testWorkspace(sources);
  let runtime: Runtime;

  beforeAll(async () => {
    runtime = await startTestRuntime(workspace, { secrets: secretStore(async () => secrets) });
  });
  afterAll(async () => {
    await runtime?.stop();
    workspace.cleanup();
  });

  const byLastName = async (lastName: string) =>
    (await sandboxLeads(runtime)).filter((lead) => lead.body.LastName === lastName);
  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${runtime.gatewayUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('delivers a Google Ads lead form lead, mapped by column_id with exact int64 ids, once', async () => {
    // Prepare
    const body = googleAdsLead({
      google_key: 'it-google-key',
      user_column_data: [
        { column_name: 'Full Name', string_value: 'Gina Googler', column_id: 'FULL_NAME' },
        { column_name: 'User Email', string_value: 'Gina@Example.TEST', column_id: 'EMAIL' },
        { column_name: 'User Phone', string_value: '+16505550123', column_id: 'PHONE_NUMBER' },
      ],
    });

    // Act
    const response = await post('/v1/webhooks/google-ads/it-google', body, {});
    const duplicate = await post('/v1/webhooks/google-ads/it-google', body, {});

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect(duplicate.status).toBe(200);
    const lead = await eventually(async () => (await byLastName('Googler'))[0], 8000, 'the Google Ads lead');
    expect(lead.body).toEqual({
      FirstName: 'Gina',
      LastName: 'Googler',
      Email: [{ Address: 'gina@example.test', Type: 'work' }],
      Phone: [{ Number: '+16505550123', Type: 'mobile' }],
      Extra: [
        { ID: '1411084437', Value: 'Google Ads' },
        { ID: '1411084438', Value: bigIds.campaign },
        { ID: '1411084442', Value: expect.stringMatching(/^TeSter-123-/) },
      ],
    });
    await queueDrained(runtime);
    expect(await byLastName('Googler')).toHaveLength(1);
  });

  it("answers a wrong google_key with Google's 403 {message} and delivers nothing", async () => {
    // Act
    const response = await post(
      '/v1/webhooks/google-ads/it-google',
      googleAdsLead({ google_key: 'guess', lead_id: 'it-wrong-key' }),
      {},
    );

    // Assess
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: expect.any(String) });
    await queueDrained(runtime);
    expect(
      runtime.recentAttempts().filter((attempt) => attempt.envelope?.dedupeKey === 'google-ads:it-wrong-key'),
    ).toEqual([]);
  });

  it('delivers every entry of a signed TikTok notification to the advertiser’s source', async () => {
    // Prepare
    const body = tiktokNotification([
      {
        id: '7301234567890100001',
        changes: [
          { field: 'name', value: 'Tina Tok' },
          { field: 'email', value: 't@example.test' },
        ],
      },
      {
        id: '7301234567890100002',
        changes: [
          { field: 'name', value: 'Tom Tok' },
          { field: 'interests', value: 'Pricing' },
          { field: 'interests', value: 'Demo' },
        ],
      },
    ]);

    // Act
    const response = await post('/v1/webhooks/tiktok', body, {
      'tiktok-signature': tiktokSignature(secrets.TIKTOK_APP_SECRET, body),
    });

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    const leads = await eventually(
      async () => ((await byLastName('Tok')).length === 2 ? await byLastName('Tok') : undefined),
      8000,
      'both TikTok leads',
    );
    const tina = leads.find((lead) => lead.body.FirstName === 'Tina');
    const tom = leads.find((lead) => lead.body.FirstName === 'Tom');
    expect(tina?.body).toMatchObject({
      Email: [{ Address: 't@example.test', Type: 'work' }],
      Extra: [
        { ID: '1411084437', Value: 'TikTok' },
        { ID: '1411084438', Value: bigIds.ad },
      ],
    });
    expect(tom?.body.Extra).toContainEqual({ ID: '1411084440', Value: 'Pricing, Demo' });
  });

  it('refuses an unsigned TikTok notification with 401', async () => {
    // Act
    const response = await post('/v1/webhooks/tiktok', tiktokNotification(), {});

    // Assess
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('signature_missing');
  });

  it('delivers the good leads of a partner batch around a bad one, with the rotated API key', async () => {
    // Prepare
    const batch = [
      { first_name: 'Paula', last_name: 'Partner', email: 'paula@example.test', job: 'CTO', ref: 'P-1' },
      { first_name: 'NoLastName', ref: 'P-2' },
      { first_name: 'Pablo', last_name: 'Partner', ref: 'P-3' },
    ];

    // Act
    const response = await post('/v1/partners/it-acme/leads', JSON.stringify(batch), {
      'x-api-key': secrets.ACME_IT_KEY_NEXT,
    });

    // Assess
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { results: { index: number; status: string }[] };
    expect(answer.results.map((item) => item.status)).toEqual(['queued', 'rejected', 'queued']);
    const leads = await eventually(
      async () => ((await byLastName('Partner')).length === 2 ? await byLastName('Partner') : undefined),
      8000,
      'both partner leads',
    );
    expect(leads.find((lead) => lead.body.FirstName === 'Paula')?.body).toEqual({
      FirstName: 'Paula',
      LastName: 'Partner',
      Email: [{ Address: 'paula@example.test', Type: 'work' }],
      Extra: [
        { ID: '1411084437', Value: 'Acme' },
        { ID: '1411084443', Value: 'CTO' },
      ],
    });
  });

  it('answers a resend with the same Idempotency-Key with the first id and delivers the lead once', async () => {
    // Prepare
    const body = JSON.stringify({ first_name: 'Rita', last_name: 'Resent' });
    const headers = { 'x-api-key': secrets.ACME_IT_KEY, 'idempotency-key': 'order-1042' };

    // Act: the partner timed out waiting for the first answer and sends again
    const first = await post('/v1/partners/it-acme/leads', body, headers);
    await eventually(async () => (await byLastName('Resent'))[0], 8000, 'the lead delivered');
    const resent = await post('/v1/partners/it-acme/leads', body, headers);
    await queueDrained(runtime);

    // Assess
    expect([first.status, resent.status]).toEqual([202, 202]);
    const [firstAnswer, resentAnswer] = [await first.json(), await resent.json()];
    expect(resentAnswer).toEqual(firstAnswer);
    expect(await byLastName('Resent')).toHaveLength(1);
  });

  it('delivers a partner lead signed the Standard Webhooks way and answers like a form', async () => {
    // Prepare
    const body = JSON.stringify({ first_name: 'Sigrid', last_name: 'Signed', ref: 'S-1' });

    // Act
    const response = await post(
      '/v1/partners/it-acme/leads',
      body,
      standardWebhookHeaders(secrets.ACME_IT_SIGNING, body),
    );

    // Assess
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ id: expect.stringMatching(/^[0-9A-Z]{26}$/), status: 'queued' });
    await eventually(async () => (await byLastName('Signed'))[0], 8000, 'the signed partner lead');
  });

  it.each([
    ['no credentials', {}, 401, 'unauthorized'],
    ['a wrong API key', { 'x-api-key': 'nope' }, 401, 'invalid_api_key'],
  ])('refuses a partner request with %s', async (_name, headers, status, code) => {
    // Act
    const response = await post('/v1/partners/it-acme/leads', '{"first_name":"X","last_name":"Y"}', headers);

    // Assess
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
  });
});
