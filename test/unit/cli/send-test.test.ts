import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bufferIo } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';
import { partner, tiktok } from '#shared/channels/index.ts';
import { type ReceivedRequest, recordingServer } from '#test/support/recording-server.ts';

const lead = `lead:
  FirstName: { from: [FIRST_NAME, first_name] }
  LastName: { from: [LAST_NAME, last_name] }
  Email:
    - { from: [EMAIL, email] }`;

const sources: Record<string, string> = {
  'www-form': `channel: form\nform: { allowedOrigins: ["https://*.example.com"] }\n${lead}`,
  'google-spring': `channel: google-ads\ngoogleAds: { key: GOOGLE_SPRING_KEY }\n${lead}`,
  'acme-signed': `channel: partner\npartner: { signingSecrets: [ACME_SIGNING_SECRET] }\n${lead}`,
  'acme-keyed': `channel: partner\npartner: { apiKeys: [ACME_API_KEY] }\n${lead}`,
  'tiktok-spring': `channel: tiktok\ntiktok: { advertiserId: "7000000000000000001" }\n${lead}`,
  'meta-spring': `channel: meta\nmeta: { pageId: "104", pageToken: META_PAGE_TOKEN }\n${lead}`,
};

/** The received headers as capture reads them: one string each. */
const headerValues = (request: ReceivedRequest): Record<string, string | undefined> =>
  Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : value,
    ]),
  );

describe('leadgate send-test', () => {
  const root = mkdtempSync(join(tmpdir(), 'leadgate-send-test-'));
  let answer = { status: 202, body: '{"id":"01JSTUB","status":"queued"}' };
  let server: Awaited<ReturnType<typeof recordingServer>>;
  let gateway: string;

  const sendTest = async (sourceId: string, env: Record<string, string> = {}) => {
    const io = bufferIo({ cwd: root, env });
    const code = await main(['send-test', sourceId, '--gateway', gateway], io);
    return { code, out: io.stdout(), err: io.stderr(), request: server.received.at(-1) };
  };

  beforeAll(async () => {
    mkdirSync(join(root, 'sources'));
    for (const [id, yaml] of Object.entries(sources))
      writeFileSync(join(root, 'sources', `${id}.yaml`), yaml);
    server = await recordingServer(() => ({
      status: answer.status,
      contentType: 'application/json',
      body: answer.body,
    }));
    gateway = server.url;
  });
  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    answer = { status: 202, body: '{"id":"01JSTUB","status":"queued"}' };
  });

  it('posts a form lead as JSON with an Origin the source allows', async () => {
    // Act
    const result = await sendTest('www-form');

    // Assess
    expect(result.code).toBe(0);
    expect(result.out).toContain('✔ 202 accepted: lead 01JSTUB for www-form (form) is queued');
    expect(result.request?.path).toBe('/v1/forms/www-form');
    expect(result.request?.headers.origin).toBe('https://www.example.com');
    expect(JSON.parse(result.request?.body ?? '{}')).toMatchObject({
      FIRST_NAME: 'Alex',
      LAST_NAME: 'Sample',
      EMAIL: 'alex.sample@example.com',
      utm_campaign: 'send-test',
    });
  });

  it('signs Google Ads leads with the google_key secret, read by name', async () => {
    // Prepare
    answer = { status: 200, body: '{}' };

    // Act
    const missing = await sendTest('google-spring');
    const result = await sendTest('google-spring', { GOOGLE_SPRING_KEY: 'k-123' });

    // Assess
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('the secret GOOGLE_SPRING_KEY is not set');
    expect(result.code).toBe(0);
    expect(result.request?.path).toBe('/v1/webhooks/google-ads/google-spring');
    const body = JSON.parse(result.request?.body ?? '{}');
    expect(body).toMatchObject({ google_key: 'k-123', is_test: true });
    expect(body.user_column_data).toContainEqual({ column_id: 'FIRST_NAME', string_value: 'Alex' });
    expect(result.out + result.err).not.toContain('k-123');
  });

  it('signs partner leads the Standard Webhooks way, or sends the API key', async () => {
    // Prepare
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

    // Act
    const signed = await sendTest('acme-signed', { ACME_SIGNING_SECRET: secret });
    const keyed = await sendTest('acme-keyed', { ACME_API_KEY: 'key-1' });

    // Assess
    const request = signed.request as ReceivedRequest;
    expect(partner.verify?.(secret, Buffer.from(request.body), headerValues(request))).toBe(true);
    expect(request.headers['webhook-id']).toMatch(/^msg_/);
    expect(request.path).toBe('/v1/partners/acme-signed/leads');
    expect(keyed.request?.headers['x-api-key']).toBe('key-1');
  });

  it('signs TikTok notifications with the app secret', async () => {
    // Act
    const result = await sendTest('tiktok-spring', { TIKTOK_APP_SECRET: 'tt-secret' });

    // Assess
    const request = result.request as ReceivedRequest;
    expect(request.path).toBe('/v1/webhooks/tiktok');
    expect(String(request.headers['tiktok-signature'])).toMatch(/^t=\d+,s=[0-9a-f]{64}$/);
    expect(tiktok.verify?.('tt-secret', Buffer.from(request.body), headerValues(request))).toBe(true);
    expect(JSON.parse(request.body).entry[0].advertiser_id).toBe('7000000000000000001');
  });

  it('explains why Meta test leads cannot be sent', async () => {
    // Act
    const result = await sendTest('meta-spring');

    // Assess
    expect(result.code).toBe(1);
    expect(result.err).toContain('send-test cannot send meta leads');
    expect(result.err).toContain('leadgate sources preview meta-spring');
  });

  it('reports a refusal with its code and field errors, and exits 1', async () => {
    // Prepare
    answer = {
      status: 422,
      body: JSON.stringify({
        error: { code: 'validation_failed', message: 'Missing.', fields: { LastName: 'required' } },
      }),
    };

    // Act
    const result = await sendTest('www-form');

    // Assess
    expect(result.code).toBe(1);
    expect(result.out).toContain('✘ the gateway refused the test lead: 422');
    expect(result.out).toContain('validation_failed: Missing.');
    expect(result.out).toContain('LastName: required');
  });

  it('says so when no gateway answers', async () => {
    // Prepare
    const io = bufferIo({ cwd: root });

    // Act
    const code = await main(['send-test', 'www-form', '--gateway', 'http://127.0.0.1:1'], io);

    // Assess
    expect(code).toBe(1);
    expect(io.stderr()).toContain('leadgate does not answer at http://127.0.0.1:1');
  });
});
