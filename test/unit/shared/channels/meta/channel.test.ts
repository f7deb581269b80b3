import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { UNROUTED_SOURCE_ID } from '#shared/channels/channel.ts';
import { newEnvelope } from '#shared/channels/common/enqueue.ts';
import { signedHeaders } from '#shared/channels/index.ts';
import { metaChannel, metaRouter, metaSignatureMatches } from '#shared/channels/meta/channel.ts';
import { meta as metaDescriptor } from '#shared/channels/meta/index.ts';
import { logFields } from '#shared/http/response.ts';
import { counterValues } from '#shared/telemetry.ts';
import { answering, bodyOf, channelDeps, httpRequest, sourcesFrom } from '#test/support/channels.ts';
import { interceptLogLines, type LogLine } from '#test/support/fuzz/logs.ts';

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

describe('metaChannel: what operators read (messages, headers, counters, log fields)', () => {
  type ErrorBody = { error: { code: string; message: string } };
  const counter = (name: string) => counterValues()[name] ?? 0;
  const one = (change: string, entryId = ids.page) =>
    `{"object":"page","entry":[{"id":"${entryId}","changes":[${change}]}]}`;

  it.each([
    [
      'a challenge longer than 256 characters',
      { 'hub.mode': 'subscribe', 'hub.challenge': 'c'.repeat(257), 'hub.verify_token': verifyToken },
      400,
      'malformed_verification',
      'hub.challenge is missing or too long.',
    ],
    [
      'another mode',
      { 'hub.mode': 'unsubscribe', 'hub.challenge': '1', 'hub.verify_token': verifyToken },
      403,
      'verification_failed',
      'hub.mode must be "subscribe".',
    ],
    [
      'a wrong verify token',
      { 'hub.mode': 'subscribe', 'hub.challenge': '1', 'hub.verify_token': 'nope' },
      403,
      'verification_failed',
      'The verify token does not match.',
    ],
  ])(
    'refuses a verification with %s: status, code and message',
    async (_name, query, status, code, message) => {
      // Prepare
      const { channel } = setup();

      // Act
      const result = await channel.verify(verification(query));

      // Assess
      expect(result.statusCode).toBe(status);
      expect(bodyOf<ErrorBody>(result).error).toMatchObject({ code, message });
    },
  );

  it('echoes a challenge of exactly 256 characters, not cached, not sniffed, logged as meta and counted', async () => {
    // Prepare
    const { channel } = setup();
    const challenge = 'c'.repeat(256);
    const before = counter('meta_verified');

    // Act
    const result = await channel.verify(
      verification({ 'hub.mode': 'subscribe', 'hub.challenge': challenge, 'hub.verify_token': verifyToken }),
    );

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe(challenge);
    expect(result.headers).toMatchObject({
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    expect(result[logFields]).toEqual({ channel: 'meta' });
    expect(counter('meta_verified')).toBe(before + 1);
  });

  it('counts a missing verify token or app secret as meta_not_configured', async () => {
    // Prepare
    const { channel } = setup({});
    const before = counter('meta_not_configured');

    // Act
    await channel.verify(
      verification({ 'hub.mode': 'subscribe', 'hub.challenge': '1', 'hub.verify_token': verifyToken }),
    );
    await channel.capture(post(notification));

    // Assess
    expect(counter('meta_not_configured')).toBe(before + 2);
  });

  it.each([
    [
      'missing',
      null,
      'signature_missing',
      'X-Hub-Signature-256 is missing: Meta signs every notification with sha256=<hex HMAC>.',
    ],
    [
      'of the sha1 scheme',
      'sha1=00',
      'unsupported_signature_scheme',
      'X-Hub-Signature-256 must be sha256=<hex HMAC-SHA256 of the raw body>.',
    ],
    [
      'over other bytes',
      sign('{}'),
      'invalid_signature',
      'X-Hub-Signature-256 does not match the request body.',
    ],
  ])('explains a signature %s', async (_name, signature, code, message) => {
    // Prepare
    const { channel } = setup();

    // Act
    const result = await channel.capture(post(notification, signature));

    // Assess
    expect(result.statusCode).toBe(401);
    expect(bodyOf<ErrorBody>(result).error).toMatchObject({ code, message });
  });

  it('accepts a signature with spaces around it', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post(notification, `  ${sign(notification)} `));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(enqueued).toHaveLength(3);
  });

  it('metaSignatureMatches wants exactly sha256=<64 hex>, trimmed, and nothing for no header', () => {
    // Prepare
    const body = Buffer.from(notification);
    const good = sign(notification);

    // Act
    const answers = {
      good: metaSignatureMatches(appSecret, body, good),
      spaced: metaSignatureMatches(appSecret, body, ` ${good}  `),
      prefixed: metaSignatureMatches(appSecret, body, `x${good}`),
      extended: metaSignatureMatches(appSecret, body, `${good}00`),
      none: metaSignatureMatches(appSecret, body, undefined),
    };

    // Assess
    expect(answers).toEqual({ good: true, spaced: true, prefixed: false, extended: false, none: false });
  });

  it.each([
    ['not JSON', '{"object":', 'The notification is not valid UTF-8 JSON.'],
    ['a JSON list', '[]', 'The notification has no entry list.'],
    ['without an entry list', '{"object":"page"}', 'The notification has no entry list.'],
  ])('explains a body that is %s', async (_name, body, message) => {
    // Prepare
    const { channel } = setup();

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf<ErrorBody>(result).error).toMatchObject({ code: 'malformed_body', message });
  });

  it('accepts a body of exactly 1 MB', async () => {
    // Prepare
    const { channel } = setup();
    const frame = '{"object":"page","entry":[],"pad":""}';
    const body = `{"object":"page","entry":[],"pad":"${'x'.repeat(1024 * 1024 - frame.length)}"}`;

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(Buffer.byteLength(body)).toBe(1024 * 1024);
    expect(result.statusCode).toBe(200);
  });

  it('logs and counts a notification: leads, unrouted, ignored and invalid changes', async () => {
    // Prepare
    const { channel } = setup();
    const before = ['meta_leadgen', 'meta_unrouted', 'meta_change_invalid'].map(counter);

    // Act
    const result = await channel.capture(post(notification));

    // Assess
    expect(result[logFields]).toEqual({
      channel: 'meta',
      leadId: undefined,
      leads: 3,
      unrouted: 1,
      ignoredChanges: 1,
      invalidChanges: 0,
    });
    expect(['meta_leadgen', 'meta_unrouted', 'meta_change_invalid'].map(counter)).toEqual([
      (before[0] ?? 0) + 3,
      (before[1] ?? 0) + 1,
      before[2],
    ]);
  });

  it('logs the lead id of a notification with one lead, and counts nothing unrouted when it is routed', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const before = counter('meta_unrouted');

    // Act
    const result = await channel.capture(post(one(leadgen(ids.lead1, ids.page, ids.form))));

    // Assess
    expect(result[logFields]).toMatchObject({ leadId: enqueued[0]?.id, leads: 1, unrouted: 0 });
    expect(enqueued[0]?.id).toEqual(expect.any(String));
    expect(counter('meta_unrouted')).toBe(before);
  });

  it('counts leadgen changes whose id is missing or not all digits as invalid, other changes as ignored', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const changes = [
      '{"field":"leadgen","value":{"leadgen_id":"abc"}}',
      '{"field":"leadgen","value":{"leadgen_id":"12abc"}}',
      '{"field":"leadgen","value":{"leadgen_id":"abc12"}}',
      '{"field":"leadgen"}',
      '{"field":"feed","value":{"leadgen_id":1}}',
      '1',
      '"leadgen"',
    ].join(',');
    const before = counter('meta_change_invalid');

    // Act
    const result = await channel.capture(post(one(changes)));

    // Assess
    expect(bodyOf(result)).toEqual({ received: 0 });
    expect(enqueued).toHaveLength(0);
    expect(result[logFields]).toMatchObject({ ignoredChanges: 3, invalidChanges: 4 });
    expect(counter('meta_change_invalid')).toBe(before + 4);
  });

  it('skips entries that are not objects or carry no change list', async () => {
    // Prepare
    const { channel } = setup();
    const body = `{"object":"page","entry":[1,"x",null,{"id":"${ids.page}"},{"id":"${ids.page}","changes":{}}]}`;

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ received: 0 });
    expect(result[logFields]).toMatchObject({ ignoredChanges: 0, invalidChanges: 0 });
  });

  it('keeps the first of two changes with the same lead id', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const changes = `${leadgen(ids.lead1, ids.page, ids.form)},${leadgen(ids.lead1, ids.otherPage, ids.otherForm)}`;

    // Act
    await channel.capture(post(one(changes)));

    // Assess
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]?.context).toMatchObject({ 'meta.page_id': ids.page, 'meta.form_id': ids.form });
  });

  it("takes the page from the entry when the change has none, the change's own page otherwise", async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const changes =
      `{"field":"leadgen","value":{"leadgen_id":${ids.lead1},"form_id":${ids.form}}},` +
      leadgen(ids.lead2, ids.otherPage, ids.form);

    // Act
    await channel.capture(post(one(changes)));

    // Assess
    expect(enqueued.map((envelope) => [envelope.sourceId, envelope.context['meta.page_id']])).toEqual([
      ['meta-spring', ids.page],
      [UNROUTED_SOURCE_ID, ids.otherPage],
    ]);
  });

  it('leaves out of the context the ids and time a change does not carry', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    await channel.capture(post(one(`{"field":"leadgen","value":{"leadgen_id":${ids.lead1}}}`)));

    // Assess
    expect(enqueued[0]?.context).toStrictEqual({
      receivedAt: '2024-05-02T10:07:03.000Z',
      source: 'meta-page',
      'meta.leadgen_id': ids.lead1,
      'meta.page_id': ids.page,
    });
  });

  it.each([
    ['Unix seconds as a string', '"1714644421"', '2024-05-02T10:07:01.000Z'],
    ['zero', '0', undefined],
    ['negative', '-5', undefined],
    ['a string that is no number', '"soon"', undefined],
    ['a boolean', 'true', undefined],
    ['beyond any date', '1e20', undefined],
  ])('reads a created_time of %s', async (_name, createdTime, expected) => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    await channel.capture(
      post(one(`{"field":"leadgen","value":{"leadgen_id":${ids.lead1},"created_time":${createdTime}}}`)),
    );

    // Assess
    expect(enqueued[0]?.context['meta.created_time']).toBe(expected);
  });

  it('warns (ids only) about a lead no source matches, and not about a routed one', async () => {
    // Prepare
    const { channel } = setup();
    const lines: LogLine[] = [];
    const { restore } = interceptLogLines((line) => lines.push(line));

    // Act
    try {
      await channel.capture(post(one(leadgen(ids.lead1, ids.page, ids.form))));
      await channel.capture(post(one(leadgen(ids.lead3, ids.otherPage, ids.form), ids.otherPage)));
    } finally {
      restore();
    }

    // Assess
    const warnings = lines.filter(
      (line) => line.message === 'meta lead matches no source: queued as unrouted',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 'WARN',
      channel: 'meta',
      leadgenId: ids.lead3,
      pageId: ids.otherPage,
      formId: ids.form,
    });
  });

  it('names the channel when several sources claim one lead', async () => {
    // Prepare
    const made = channelDeps(
      { ...sources, 'meta-also': sources['meta-spring'] ?? '', 'meta-page-too': sources['meta-page'] ?? '' },
      secrets,
    );
    cleanups.push(made.cleanup);
    const channel = metaChannel(made.deps);
    const lines: LogLine[] = [];
    const { restore } = interceptLogLines((line) => lines.push(line));

    // Act
    try {
      await channel.capture(post(one(leadgen(ids.lead1, ids.page, ids.form))));
      await channel.capture(post(one(leadgen(ids.lead2, ids.page, ids.otherForm))));
    } finally {
      restore();
    }

    // Assess
    const ties = lines.filter(
      (line) => line.message === 'several sources match one lead: the first by id wins',
    );
    expect(ties.map((line) => [line.channel, line.sourceIds])).toEqual([
      ['meta', ['meta-also', 'meta-spring']],
      ['meta', ['meta-page-too', 'meta-page']],
    ]);
    expect(made.enqueued.map((envelope) => envelope.sourceId)).toEqual(['meta-also', 'meta-page']);
  });

  it('metaRouter routes by page and form', () => {
    // Prepare
    const envelope = newEnvelope({
      sourceId: UNROUTED_SOURCE_ID,
      channel: 'meta',
      fields: {},
      context: { 'meta.page_id': ids.page, 'meta.form_id': ids.form },
      fetch: { provider: 'meta', id: ids.lead1 },
    });
    const made = sourcesFrom(sources);
    cleanups.push(made.cleanup);

    // Act
    const routed = metaRouter(envelope, made.sources);

    // Assess
    expect(routed?.id).toBe('meta-spring');
  });
});
