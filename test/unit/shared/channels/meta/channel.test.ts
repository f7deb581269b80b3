import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { UNROUTED_SOURCE_ID } from '#shared/channels/channel.ts';
import { newEnvelope } from '#shared/channels/common/enqueue.ts';
import { signedHeaders } from '#shared/channels/index.ts';
import { metaChannel, metaRouter } from '#shared/channels/meta/channel.ts';
import { meta as metaDescriptor } from '#shared/channels/meta/index.ts';
import { answering, bodyOf, channelDeps, httpRequest, sourcesFrom } from '#test/support/channels.ts';

const appSecret = 'meta-app-secret';
const verifyToken = 'meta-verify-token';
const secrets = { META_APP_SECRET: appSecret, META_VERIFY_TOKEN: verifyToken };

/** Ids as Meta sends them: JSON numbers, the lead ids beyond 2^53 (17 and 19 digits). */
const ids = {
  page: '104345678901234',
  otherPage: '204345678901234',
  form: '1234567890123456789',
  otherForm: '987654321098765432',
  lead1: '12021234567890123',
  lead2: '1202123456789012345',
  lead3: '9007199254740993',
  ad: '23851234567890123',
  adgroup: '23851234567890124',
};

const lead = '\nlead:\n  FirstName: first_name\n  LastName: { from: last_name, default: "-" }\n';
const sources = {
  'meta-spring':
    `channel: meta\nmeta: { pageId: "${ids.page}", formIds: ["${ids.form}"], pageToken: SPRING_PAGE_TOKEN }` +
    lead,
  'meta-page': `channel: meta\nmeta: { pageId: "${ids.page}", pageToken: PAGE_TOKEN }${lead}`,
};

/** A leadgen change value as Meta documents it, ids as bare JSON numbers. */
const leadgen = (leadId: string, pageId: string, formId: string) =>
  `{"field":"leadgen","value":{"ad_id":${ids.ad},"form_id":${formId},"leadgen_id":${leadId},` +
  `"created_time":1714644421,"page_id":${pageId},"adgroup_id":${ids.adgroup}}}`;

/**
 * Meta's documented leadgen notification with two entries and several changes, plus a non-leadgen
 * change whose text Meta escapes (`\u0040`): the signature only matches the raw bytes.
 */
const notification =
  `{"object":"page","entry":[{"id":"${ids.page}","time":1714644422,"changes":[` +
  `${leadgen(ids.lead1, ids.page, ids.form)},${leadgen(ids.lead2, ids.page, ids.otherForm)},` +
  '{"field":"feed","value":{"item":"status","message":"hello\\u0040world"}}]},' +
  `{"id":"${ids.otherPage}","time":1714644423,"changes":[${leadgen(ids.lead3, ids.otherPage, ids.form)}]}]}`;

/** `X-Hub-Signature-256` as Meta sends it (the channel's `sign`, pinned to Meta's rule in `index.test.ts`). */
const sign = (body: string, secret = appSecret) =>
  signedHeaders(metaDescriptor, secret, body)['x-hub-signature-256'] ?? '';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function setup(secretValues: Record<string, string> = secrets) {
  const made = channelDeps(sources, secretValues, () => new Date('2024-05-02T10:07:03.000Z'));
  cleanups.push(made.cleanup);
  return { ...made, channel: answering(metaDescriptor, metaChannel(made.deps)) };
}

/** A POST as Meta sends it; `signature: null` sends none. */
function post(body: string, signature: string | null = sign(body)) {
  return httpRequest({
    path: '/v1/webhooks/meta',
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { 'x-hub-signature-256': signature }),
    },
    body,
  });
}

function verification(query: Record<string, string>) {
  return { ...httpRequest({ path: '/v1/webhooks/meta', body: '', query }), method: 'GET' };
}

describe('metaChannel.verify', () => {
  it('answers the challenge as plain text when the verify token matches', async () => {
    // Prepare
    const { channel } = setup();

    // Act
    const result = await channel.verify(
      verification({
        'hub.mode': 'subscribe',
        'hub.challenge': '1158201444',
        'hub.verify_token': verifyToken,
      }),
    );

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toMatch(/^text\/plain/);
    expect(result.body).toBe('1158201444');
  });

  it.each([
    [
      'a wrong verify token',
      { 'hub.mode': 'subscribe', 'hub.challenge': '1', 'hub.verify_token': 'nope' },
      403,
    ],
    ['no verify token', { 'hub.mode': 'subscribe', 'hub.challenge': '1' }, 403],
    [
      'another mode',
      { 'hub.mode': 'unsubscribe', 'hub.challenge': '1', 'hub.verify_token': verifyToken },
      403,
    ],
    ['no challenge', { 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken }, 400],
  ])('refuses %s', async (_name, query, status) => {
    // Prepare
    const { channel } = setup();

    // Act
    const result = await channel.verify(verification(query));

    // Assess
    expect(result.statusCode).toBe(status);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toMatch(/verification/);
  });

  it('answers 503 auth_unavailable while META_VERIFY_TOKEN is not set', async () => {
    // Prepare
    const { channel } = setup({ META_APP_SECRET: appSecret });

    // Act
    const result = await channel.verify(
      verification({ 'hub.mode': 'subscribe', 'hub.challenge': '1', 'hub.verify_token': '' }),
    );

    // Assess
    expect(result.statusCode).toBe(503);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe('auth_unavailable');
  });
});

describe('metaChannel.capture', () => {
  it('queues one fetch-envelope per leadgen change, with exact ids, context and dedupe key', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post(notification));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ received: 3 });
    expect(enqueued.map((envelope) => envelope.fetch)).toEqual([
      { provider: 'meta', id: ids.lead1 },
      { provider: 'meta', id: ids.lead2 },
      { provider: 'meta', id: ids.lead3 },
    ]);
    expect(enqueued[0]).toMatchObject({
      sourceId: 'meta-spring',
      channel: 'meta',
      fields: {},
      dedupeKey: `meta:${ids.lead1}`,
      receivedAt: '2024-05-02T10:07:03.000Z',
      context: {
        source: 'meta-spring',
        'meta.leadgen_id': ids.lead1,
        'meta.page_id': ids.page,
        'meta.form_id': ids.form,
        'meta.ad_id': ids.ad,
        'meta.adgroup_id': ids.adgroup,
        'meta.created_time': '2024-05-02T10:07:01.000Z',
      },
    });
  });

  it('routes by page and form: a listed form wins, else the whole page, else unrouted (kept)', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    await channel.capture(post(notification));

    // Assess
    expect(enqueued.map((envelope) => envelope.sourceId)).toEqual([
      'meta-spring',
      'meta-page',
      UNROUTED_SOURCE_ID,
    ]);
    expect(enqueued[2]?.context).not.toHaveProperty('source');
    expect(enqueued[2]?.context['meta.page_id']).toBe(ids.otherPage);
  });

  describe.each([
    ['missing', null, 'signature_missing'],
    ['over other bytes', sign('{"object":"page","entry":[]}'), 'invalid_signature'],
    ['over re-serialised JSON', sign(JSON.stringify(JSON.parse(notification))), 'invalid_signature'],
    ['with another secret', sign(notification, 'not-the-app-secret'), 'invalid_signature'],
    ['not hex', 'sha256=not-a-signature', 'invalid_signature'],
    [
      'of the sha1 scheme',
      `sha1=${createHmac('sha1', appSecret).update(notification).digest('hex')}`,
      'unsupported_signature_scheme',
    ],
    ['without a scheme', sign(notification).slice('sha256='.length), 'unsupported_signature_scheme'],
  ])('a signature %s', (_name, signature, code) => {
    it(`is refused with 401 ${code} and nothing is queued`, async () => {
      // Prepare
      const { channel, enqueued } = setup();

      // Act
      const result = await channel.capture(post(notification, signature));

      // Assess
      expect(result.statusCode).toBe(401);
      expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe(code);
      expect(enqueued).toHaveLength(0);
    });
  });

  it('accepts a signature in upper-case hex', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const signature = `sha256=${sign(notification).slice(7).toUpperCase()}`;

    // Act
    const result = await channel.capture(post(notification, signature));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(enqueued).toHaveLength(3);
  });

  it('gives a retried notification the same dedupe keys and lead ids; a repeated id counts once per POST', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const change = leadgen(ids.lead1, ids.page, ids.form);
    const repeated = `{"object":"page","entry":[{"id":"${ids.page}","changes":[${change},${change}]}]}`;

    // Act
    await channel.capture(post(notification));
    await channel.capture(post(notification));
    await channel.capture(post(repeated));

    // Assess
    const keys = enqueued.map((envelope) => envelope.dedupeKey);
    expect(keys.slice(0, 3)).toEqual(keys.slice(3, 6));
    expect(keys.slice(6)).toEqual([`meta:${ids.lead1}`]);
    const leadIds = enqueued.map((envelope) => envelope.id);
    expect(leadIds.slice(3, 6)).toEqual(leadIds.slice(0, 3));
    expect(new Set(leadIds.slice(0, 3)).size).toBe(3);
  });

  it('answers 503 queue_unavailable when the queue refuses, so Meta retries', async () => {
    // Prepare
    const { channel, failing } = setup();
    failing();

    // Act
    const result = await channel.capture(post(notification));

    // Assess
    expect(result.statusCode).toBe(503);
    expect(result.headers['retry-after']).toBeDefined();
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe('queue_unavailable');
  });

  it('answers 503 auth_unavailable while META_APP_SECRET is not set', async () => {
    // Prepare
    const { channel, enqueued } = setup({ META_VERIFY_TOKEN: verifyToken });

    // Act
    const result = await channel.capture(post(notification));

    // Assess
    expect(result.statusCode).toBe(503);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe('auth_unavailable');
    expect(enqueued).toHaveLength(0);
  });

  it.each([
    ['not JSON', '{"object":', 400, 'malformed_body'],
    ['JSON without an entry list', '{"object":"page"}', 400, 'malformed_body'],
    [
      'larger than 1 MB',
      `{"object":"page","entry":[],"pad":"${'x'.repeat(1024 * 1024)}"}`,
      413,
      'payload_too_large',
    ],
  ])('rejects a signed body that is %s', async (_name, body, status, code) => {
    // Prepare
    const { channel } = setup();

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(result.statusCode).toBe(status);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe(code);
  });

  it('answers 200 and queues nothing for other fields or leadgen changes without an id', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const changes = `{"field":"feed","value":{}},{"field":"leadgen","value":{"page_id":${ids.page}}}`;
    const body = `{"object":"page","entry":[{"id":"${ids.page}","changes":[${changes}]}]}`;

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ received: 0 });
    expect(enqueued).toHaveLength(0);
  });
});

describe('metaRouter', () => {
  it('routes an unrouted envelope with the source config current at delivery', () => {
    // Prepare
    const envelope = newEnvelope({
      sourceId: UNROUTED_SOURCE_ID,
      channel: 'meta',
      fields: {},
      context: { 'meta.page_id': ids.otherPage, 'meta.form_id': ids.form },
      fetch: { provider: 'meta', id: ids.lead3 },
    });
    const before = sourcesFrom(sources);
    const after = sourcesFrom({
      ...sources,
      'meta-other': `channel: meta\nmeta: { pageId: "${ids.otherPage}", pageToken: OTHER_PAGE_TOKEN }${lead}`,
    });
    cleanups.push(before.cleanup, after.cleanup);

    // Act
    const routedBefore = metaRouter(envelope, before.sources);
    const routedAfter = metaRouter(envelope, after.sources);

    // Assess
    expect(routedBefore).toBeUndefined();
    expect(routedAfter?.id).toBe('meta-other');
  });
});

describe('metaChannel caps the leads of one notification', () => {
  const many = (count: number) =>
    `{"object":"page","entry":[{"id":"${ids.page}","time":1714644422,"changes":[` +
    Array.from({ length: count }, (_, index) =>
      leadgen(String(12021234567890000n + BigInt(index)), ids.page, ids.form),
    ).join(',') +
    ']}]}';

  it('queues 1,000 leads of one signed notification', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post(many(1000)));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(enqueued).toHaveLength(1000);
  });

  it('refuses 1,001 leads with 413 too_many_leads and queues nothing', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post(many(1001)));

    // Assess
    expect(result.statusCode).toBe(413);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe('too_many_leads');
    expect(enqueued).toHaveLength(0);
  });
});
