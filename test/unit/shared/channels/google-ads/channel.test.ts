import { afterEach, describe, expect, it } from 'vitest';
import { googleAdsChannel } from '#shared/channels/google-ads/channel.ts';
import { googleAds as googleAdsDescriptor } from '#shared/channels/google-ads/index.ts';
import {
  answering,
  bigIds,
  bodyOf,
  channelDeps,
  googleAdsLead,
  httpRequest,
} from '#test/support/channels.ts';

const lead = `
  FirstName: { from: FULL_NAME, part: first }
  LastName: { from: FULL_NAME, part: last, default: "-" }
  OrgName: COMPANY_NAME
  Email:
    - { from: EMAIL }
  Extra:
    - { id: "1411084438", from: $google.campaign_id }
`;
const sources = {
  'gads-spring': `channel: google-ads\ngoogleAds: { key: GADS_SPRING_KEY }\nlead:${lead}`,
  'gads-autumn': `channel: google-ads\ngoogleAds: { key: GADS_SPRING_KEY }\nlead:${lead}`,
  'gads-no-tests': `channel: google-ads\ngoogleAds: { key: GADS_SPRING_KEY, testLeads: drop }\nlead:${lead}`,
  'gads-unset-key': `channel: google-ads\ngoogleAds: { key: GADS_MISSING_KEY }\nlead:${lead}`,
  'a-form': `channel: form\nform: { allowedOrigins: ["*"] }\nlead:${lead}`,
};
const secrets = { GADS_SPRING_KEY: 'google-key-secret' };
const receivedAt = new Date('2024-05-02T10:07:03.000Z');

function setup() {
  const setup = channelDeps(sources, secrets, () => receivedAt);
  cleanups.push(setup.cleanup);
  return { ...setup, channel: answering(googleAdsDescriptor, googleAdsChannel(setup.deps)) };
}
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function post(sourceId: string, body: string | Buffer) {
  return httpRequest({
    path: `/v1/webhooks/google-ads/${sourceId}`,
    pathParameters: { sourceId },
    headers: { 'content-type': 'application/json' },
    body,
  });
}

describe('googleAdsChannel', () => {
  it("queues Google's test payload: fields by column_id, $google context, exact int64 ids", async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post('gads-spring', googleAdsLead()));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({});
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toMatchObject({
      sourceId: 'gads-spring',
      channel: 'google-ads',
      receivedAt: receivedAt.toISOString(),
      dedupeKey: `google-ads:gads-spring:${bigIds.lead}`,
      test: true,
      fields: {
        FULL_NAME: 'FirstName LastName',
        PHONE_NUMBER: '+16505550123',
        EMAIL: 'test@example.com',
        COMPANY_NAME: 'dummy_value',
      },
      context: {
        source: 'gads-spring',
        'google.lead_id': bigIds.lead,
        'google.campaign_id': bigIds.campaign,
        'google.form_id': bigIds.form,
        'google.adgroup_id': bigIds.adgroup,
        'google.creative_id': bigIds.creative,
        'google.api_version': '1.0',
        'google.lead_submit_time': '2024-05-02T10:07:01Z',
        'google.gcl_id': expect.stringMatching(/^TeSter-123-/),
        'click.gclid': expect.stringMatching(/^TeSter-123-/),
      },
    });
  });

  it('keys custom questions by their own column_id and falls back to column_name without one', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const body = googleAdsLead({
      user_column_data: [
        { column_name: 'What is your budget?', string_value: '10k', column_id: 'what_is_your_budget?' },
        { column_name: 'Preferred dealership', string_value: 'Madrid' },
        { column_name: 'Job title', string_value: 'CTO', column_id: 'JOB_TITLE' },
      ],
      asset_group_id: '4567890123456789123',
      surprise_new_field: { nested: true },
    });

    // Act
    const result = await channel.capture(post('gads-spring', body));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(enqueued[0]?.fields).toEqual({
      'what_is_your_budget?': '10k',
      'Preferred dealership': 'Madrid',
      JOB_TITLE: 'CTO',
    });
    expect(enqueued[0]?.context['google.asset_group_id']).toBe('4567890123456789123');
    expect(Object.keys(enqueued[0]?.context ?? {}).some((key) => key.includes('surprise'))).toBe(false);
  });

  it('gives duplicate notifications of a lead the same dedupe key, answering 200 {} to both', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const first = await channel.capture(post('gads-spring', googleAdsLead()));
    const again = await channel.capture(post('gads-spring', googleAdsLead()));

    // Assess
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect(bodyOf(again)).toEqual({});
    expect(enqueued.map((envelope) => envelope.dedupeKey)).toEqual([
      `google-ads:gads-spring:${bigIds.lead}`,
      `google-ads:gads-spring:${bigIds.lead}`,
    ]);
  });

  it('namespaces the dedupe key by source: one lead id in two sources is two leads', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    await channel.capture(post('gads-spring', googleAdsLead({ is_test: false })));
    await channel.capture(post('gads-autumn', googleAdsLead({ is_test: false })));

    // Assess
    expect(enqueued.map((envelope) => envelope.dedupeKey)).toEqual([
      `google-ads:gads-spring:${bigIds.lead}`,
      `google-ads:gads-autumn:${bigIds.lead}`,
    ]);
  });

  it.each([
    ['a test lead to a delivering source', 'gads-spring', true, 1, true],
    ['a production lead to a delivering source', 'gads-spring', undefined, 1, undefined],
    ['a test lead to a source that drops them', 'gads-no-tests', true, 0, undefined],
    ['a production lead to a source that drops tests', 'gads-no-tests', false, 1, undefined],
  ])('handles %s', async (_name, sourceId, isTest, queued, marked) => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post(sourceId, googleAdsLead({ is_test: isTest })));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({});
    expect(enqueued).toHaveLength(queued);
    if (queued) expect(enqueued[0]?.test).toBe(marked);
  });

  it.each([
    ['a wrong google_key', 'gads-spring', googleAdsLead({ google_key: 'google-key-secreT' }), 403],
    ['a longer google_key', 'gads-spring', googleAdsLead({ google_key: 'google-key-secret-2' }), 403],
    ['no google_key', 'gads-spring', googleAdsLead({ google_key: undefined }), 403],
    ['a numeric google_key', 'gads-spring', googleAdsLead({ google_key: 12345 }), 403],
    ['an unknown source', 'nope', googleAdsLead(), 404],
    ['a source of another channel', 'a-form', googleAdsLead(), 404],
    ['malformed JSON', 'gads-spring', '{"lead_id": ', 400],
    ['a JSON array', 'gads-spring', '[]', 400],
    ['a lead without lead_id', 'gads-spring', googleAdsLead({ lead_id: undefined }), 400],
    ['user_column_data that is not a list', 'gads-spring', googleAdsLead({ user_column_data: 'x' }), 400],
    ['a body over 256 KB', 'gads-spring', googleAdsLead({ pad: 'x'.repeat(300 * 1024) }), 413],
    ['a key whose secret is not set', 'gads-unset-key', googleAdsLead(), 503],
  ])("rejects %s with Google's {message} shape", async (_name, sourceId, body, status) => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post(sourceId, body));

    // Assess
    expect(result.statusCode).toBe(status);
    expect(bodyOf(result)).toEqual({ message: expect.any(String) });
    expect(enqueued).toHaveLength(0);
  });

  it('checks the key before the rest of the body, so unauthenticated senders learn nothing', async () => {
    // Prepare
    const { channel } = setup();

    // Act
    const result = await channel.capture(post('gads-spring', '{"google_key":"guess"}'));

    // Assess
    expect(result.statusCode).toBe(403);
  });

  it('answers 503 with Retry-After when the queue is down, so Google retries', async () => {
    // Prepare
    const { channel, failing } = setup();
    failing();

    // Act
    const result = await channel.capture(post('gads-spring', googleAdsLead()));

    // Assess
    expect(result.statusCode).toBe(503);
    expect(result.headers['retry-after']).toBeDefined();
    expect(bodyOf(result)).toEqual({ message: expect.any(String) });
  });
});
