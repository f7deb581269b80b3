import { afterEach, describe, expect, it } from 'vitest';
import { googleAdsChannel } from '#shared/channels/google-ads/channel.ts';
import { googleAds as googleAdsDescriptor } from '#shared/channels/google-ads/index.ts';
import { logFields } from '#shared/http/response.ts';
import { counterValues } from '#shared/telemetry.ts';
import {
  answering,
  bigIds,
  bodyOf,
  channelDeps,
  googleAdsLead,
  httpRequest,
} from '#test/support/channels.ts';
import { interceptLogLines, type LogLine } from '#test/support/fuzz/logs.ts';

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

describe('googleAdsChannel: what operators and Google read (messages, log fields, counters) and the column rules', () => {
  const counter = (name: string) => counterValues()[name] ?? 0;
  const columns = (data: unknown) => googleAdsLead({ is_test: false, user_column_data: data });

  it.each([
    [
      'an unknown source',
      'nope',
      googleAdsLead(),
      404,
      'No Google Ads lead source is configured at this URL.',
    ],
    [
      'a wrong google_key',
      'gads-spring',
      googleAdsLead({ google_key: 'nope' }),
      403,
      'The google_key does not match this lead form.',
    ],
    [
      'an empty google_key',
      'gads-spring',
      googleAdsLead({ google_key: '' }),
      403,
      'The google_key does not match this lead form.',
    ],
    ['malformed JSON', 'gads-spring', '{"lead_id": ', 400, 'The body is not valid UTF-8 JSON.'],
    ['a JSON array', 'gads-spring', '[]', 400, 'The body must be a JSON object (a Google Ads lead).'],
    [
      'a lead without lead_id',
      'gads-spring',
      googleAdsLead({ lead_id: undefined }),
      400,
      'The lead has no lead_id.',
    ],
    ['an empty lead_id', 'gads-spring', googleAdsLead({ lead_id: '' }), 400, 'The lead has no lead_id.'],
    [
      'user_column_data that is not a list',
      'gads-spring',
      googleAdsLead({ user_column_data: {} }),
      400,
      'user_column_data must be a list.',
    ],
    [
      'a key whose secret is not set',
      'gads-unset-key',
      googleAdsLead(),
      503,
      'This lead form cannot be verified right now. Please retry.',
    ],
  ])('explains %s', async (_name, sourceId, body, status, message) => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post(sourceId, body));

    // Assess
    expect(result.statusCode).toBe(status);
    expect(bodyOf(result)).toEqual({ message });
    expect(enqueued).toHaveLength(0);
  });

  it('asks Google to retry an unverifiable lead after 60 seconds, and logs which secret is missing', async () => {
    // Prepare
    const { channel } = setup();
    const lines: LogLine[] = [];
    const { restore } = interceptLogLines((line) => lines.push(line));

    // Act
    let result: Awaited<ReturnType<typeof channel.capture>>;
    try {
      result = await channel.capture(post('gads-unset-key', googleAdsLead()));
    } finally {
      restore();
    }

    // Assess
    expect(result.headers['retry-after']).toBe('60');
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'secret not set',
        sourceId: 'gads-unset-key',
        secret: 'GADS_MISSING_KEY',
      }),
    );
  });

  it('accepts a body of exactly 256 KB', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const frame = googleAdsLead({ pad: '' });
    const body = googleAdsLead({ pad: 'x'.repeat(256 * 1024 - Buffer.byteLength(frame)) });

    // Act
    const result = await channel.capture(post('gads-spring', body));

    // Assess
    expect(Buffer.byteLength(body)).toBe(256 * 1024);
    expect(result.statusCode).toBe(200);
    expect(enqueued).toHaveLength(1);
  });

  it('logs and counts a dropped test lead; logs the lead id (and test mark) of a queued one', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const before = counter('google_ads_test_dropped');

    // Act
    const dropped = await channel.capture(post('gads-no-tests', googleAdsLead({ is_test: 'true' })));
    const test = await channel.capture(post('gads-spring', googleAdsLead({ is_test: 'true' })));
    const real = await channel.capture(
      post('gads-spring', googleAdsLead({ is_test: false, lead_id: 'L-2' })),
    );

    // Assess
    expect(dropped[logFields]).toEqual({ channel: 'google-ads', test: true, dropped: 'test_lead' });
    expect(counter('google_ads_test_dropped')).toBe(before + 1);
    expect(test[logFields]).toEqual({ channel: 'google-ads', leadId: enqueued[0]?.id, test: true });
    expect(real[logFields]).toEqual({ channel: 'google-ads', leadId: enqueued[1]?.id });
    expect(enqueued.map((envelope) => envelope.test)).toEqual([true, undefined]);
  });

  it('reads columns: by column_id, else column_name; numbers as text; skips what has no key or value', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const data = [
      { column_id: '', column_name: 'Budget', string_value: '5' },
      { column_id: 7, column_name: 'Size', string_value: 10 },
      { column_name: 3, string_value: 'no key' },
      { column_id: 'EMPTY' },
      { column_id: 'OBJECT', string_value: { a: 1 } },
      { column_id: 'TAG', string_value: 'a' },
      { column_id: 'TAG', string_value: 'b' },
      { column_id: 'TAG', string_value: 'c' },
      { column_id: 'n'.repeat(257), string_value: 'name too long' },
      { column_id: 'n'.repeat(256), string_value: 'longest name' },
      { column_id: 'NOTE', string_value: 'v'.repeat(64 * 1024 + 1) },
      null,
      'text',
    ];

    // Act
    const result = await channel.capture(post('gads-spring', columns(data)));

    // Assess
    expect(result.statusCode).toBe(200);
    expect({ ...enqueued[0]?.fields }).toEqual({
      Budget: '5',
      Size: '10',
      TAG: ['a', 'b', 'c'],
      ['n'.repeat(256)]: 'longest name',
      NOTE: 'v'.repeat(64 * 1024),
    });
  });

  it('takes a lead without user_column_data (or null) with no fields, and refuses more than 500 columns', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const many = (length: number) =>
      Array.from({ length }, (_, index) => ({ column_id: `Q${index}`, string_value: 'x' }));

    // Act
    const none = await channel.capture(post('gads-spring', columns(undefined)));
    const nulled = await channel.capture(post('gads-spring', columns(null)));
    const fullest = await channel.capture(post('gads-spring', columns(many(500))));
    const refused = await channel.capture(post('gads-spring', columns(many(501))));

    // Assess
    expect([none.statusCode, nulled.statusCode, fullest.statusCode]).toEqual([200, 200, 200]);
    expect({ ...enqueued[0]?.fields }).toEqual({});
    expect({ ...enqueued[1]?.fields }).toEqual({});
    expect(Object.keys(enqueued[2]?.fields ?? {})).toHaveLength(500);
    expect(refused.statusCode).toBe(400);
    expect(bodyOf(refused)).toEqual({ message: 'A lead may carry at most 500 fields.' });
  });

  it('cuts context values at 512 characters, and sets $click.gclid only from a gcl_id', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    await channel.capture(post('gads-spring', googleAdsLead({ lead_stage: 's'.repeat(600) })));
    await channel.capture(
      post('gads-spring', googleAdsLead({ lead_id: 'L-2', gcl_id: undefined, form_id: '' })),
    );

    // Assess
    expect(enqueued[0]?.context['google.lead_stage']).toBe('s'.repeat(512));
    expect(enqueued[0]?.context['click.gclid']).toBe(enqueued[0]?.context['google.gcl_id']);
    expect(Object.keys(enqueued[1]?.context ?? {})).not.toContain('click.gclid');
    expect(Object.keys(enqueued[1]?.context ?? {})).not.toContain('google.gcl_id');
    expect(Object.keys(enqueued[1]?.context ?? {})).not.toContain('google.form_id');
  });
});

describe('googleAdsChannel: rejection codes in the request log, and empty values', () => {
  it.each([
    ['an unknown source', 'nope', googleAdsLead(), 'unknown_source'],
    ['a lead without lead_id', 'gads-spring', googleAdsLead({ lead_id: undefined }), 'malformed_body'],
    [
      'user_column_data that is not a list',
      'gads-spring',
      googleAdsLead({ user_column_data: 1 }),
      'malformed_body',
    ],
    ['a key whose secret is not set', 'gads-unset-key', googleAdsLead(), 'not_configured'],
    [
      'more than 500 columns',
      'gads-spring',
      googleAdsLead({
        user_column_data: Array.from({ length: 501 }, (_, index) => ({
          column_id: `Q${index}`,
          string_value: 'x',
        })),
      }),
      'too_many_fields',
    ],
  ])('logs the machine code of %s', async (_name, sourceId, body, code) => {
    // Prepare
    const { channel } = setup();

    // Act
    const result = await channel.capture(post(sourceId, body));

    // Assess
    expect(result[logFields]).toMatchObject({ code });
  });

  it('keeps an empty answer as an empty field', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    await channel.capture(
      post('gads-spring', googleAdsLead({ user_column_data: [{ column_id: 'BLANK', string_value: '' }] })),
    );

    // Assess
    expect({ ...enqueued[0]?.fields }).toEqual({ BLANK: '' });
  });
});
