import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { partnerOpenApi } from '#scripts/generate-openapi.ts';
import {
  type PartnerBatchAnswer,
  partnerBatchAnswerSchema,
  partnerErrorAnswerSchema,
  partnerErrorCodes,
} from '#shared/channels/partner/api.ts';
import { partnerChannel } from '#shared/channels/partner/channel.ts';
import { partner as partnerDescriptor } from '#shared/channels/partner/index.ts';
import { type HttpResult, logFields } from '#shared/http/response.ts';
import { counterValues } from '#shared/telemetry.ts';
import {
  answering,
  bodyOf,
  channelDeps,
  httpRequest,
  standardWebhookHeaders,
} from '#test/support/channels.ts';

const lead = `
  FirstName: first_name
  LastName: last_name
  Email:
    - { from: email }
`;
const partnerSource = (settings: string) => `channel: partner\npartner: ${settings}\nlead:${lead}`;
const sources = {
  acme: partnerSource('{ apiKeys: [ACME_KEY, ACME_KEY_NEXT], leadIdField: lead_id }'),
  signed: partnerSource('{ signingSecrets: [SIGNED_OLD, SIGNED_NEW], maxBatch: 3 }'),
  plain: `channel: partner\npartner: { apiKeys: [PLAIN_KEY] }\nlead:${lead}`,
  'unset-keys': `channel: partner\npartner: { apiKeys: [NOT_SET_KEY] }\nlead:${lead}`,
  'signed-ids': partnerSource('{ signingSecrets: [SIGNED_NEW], leadIdField: lead_id }'),
  'bad-empty': partnerSource('{ signingSecrets: [BAD_EMPTY] }'),
  'bad-base64': partnerSource('{ signingSecrets: [BAD_BASE64] }'),
  'bad-short': partnerSource('{ signingSecrets: [BAD_SHORT] }'),
  'bad-and-good': partnerSource('{ signingSecrets: [BAD_EMPTY, SIGNED_NEW] }'),
  'a-form': `channel: form\nform: { allowedOrigins: ["*"] }\nlead:${lead}`,
};
const secrets = {
  ACME_KEY: 'acme-key-1',
  ACME_KEY_NEXT: 'acme-key-2',
  SIGNED_OLD: `whsec_${Buffer.from('old-signing-secret-24-bytes').toString('base64')}`,
  BAD_EMPTY: 'whsec_',
  BAD_BASE64: 'whsec_%%not-base64%%',
  BAD_SHORT: `whsec_${Buffer.from('only-16-bytes!!!').toString('base64')}`,
  SIGNED_NEW: 'plain-text-signing-secret',
  PLAIN_KEY: 'plain-key',
};
const now = new Date('2024-05-02T10:00:00.000Z');

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function setup() {
  const setup = channelDeps(sources, secrets, () => now);
  cleanups.push(setup.cleanup);
  return { ...setup, channel: answering(partnerDescriptor, partnerChannel(setup.deps)) };
}

function post(sourceId: string, body: unknown, headers: Record<string, string> = {}) {
  return httpRequest({
    path: `/v1/partners/${sourceId}/leads`,
    pathParameters: { sourceId },
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
}

const acme = (body: unknown, headers: Record<string, string> = {}) =>
  post('acme', body, { 'x-api-key': 'acme-key-1', ...headers });
const plain = (body: unknown, headers: Record<string, string> = {}) =>
  post('plain', body, { 'x-api-key': 'plain-key', ...headers });

/** The error code of a rejection, checked against the documented table and the answer schema. */
function errorCodeOf(result: HttpResult): string {
  const answer = partnerErrorAnswerSchema.parse(bodyOf(result));
  const documented = partnerErrorCodes[answer.error.code as keyof typeof partnerErrorCodes];
  expect(documented?.status, `${answer.error.code} is documented with status ${result.statusCode}`).toBe(
    result.statusCode,
  );
  return answer.error.code;
}

const jane = { first_name: 'Jane', last_name: 'Doe', email: 'jane@example.com' };

describe('partnerChannel: one lead', () => {
  it('answers 202 {id, status} and queues the fields exactly like a form JSON body', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const body =
      '{"first_name":"Jane","last_name":"Doe","age":42,"vip":true,"note":null,' +
      '"interests":["Pricing","Demo"],"address":{"city":"Madrid"},"lead_id":9223372036854775807}';

    // Act
    const result = await channel.capture(acme(body));

    // Assess
    expect(result.statusCode).toBe(202);
    const answer = bodyOf<{ id: string; status: string }>(result);
    expect(answer).toEqual({ id: expect.stringMatching(/^[0-9A-Z]{26}$/), status: 'queued' });
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toMatchObject({
      id: answer.id,
      sourceId: 'acme',
      channel: 'partner',
      fields: {
        first_name: 'Jane',
        last_name: 'Doe',
        age: '42',
        vip: 'true',
        interests: ['Pricing', 'Demo'],
        'address.city': 'Madrid',
        lead_id: '9223372036854775807',
      },
      context: { source: 'acme', 'partner.lead_id': '9223372036854775807' },
    });
    expect(enqueued[0]?.fields).not.toHaveProperty('note');
  });

  it('answers 422 validation_failed with the missing fields, and queues nothing', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(acme({ first_name: 'OnlyFirst' }));

    // Assess
    expect(result.statusCode).toBe(422);
    expect(errorCodeOf(result)).toBe('validation_failed');
    expect(Object.keys(bodyOf<{ error: { fields: object } }>(result).error.fields)).toEqual(['LastName']);
    expect(enqueued).toHaveLength(0);
  });
});

describe('partnerChannel: batches', () => {
  it('queues the good leads around a bad one and answers 202 with a result per lead', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const batch = [jane, { first_name: 'NoLastName' }, 'not an object', { ...jane, last_name: 'Roe' }];

    // Act
    const result = await channel.capture(plain(batch));

    // Assess
    expect(result.statusCode).toBe(202);
    const answer = partnerBatchAnswerSchema.parse(bodyOf(result));
    expect(answer.results).toEqual([
      { index: 0, id: expect.any(String), status: 'queued' },
      {
        index: 1,
        status: 'rejected',
        error: {
          code: 'validation_failed',
          message: expect.any(String),
          fields: { LastName: expect.any(String) },
        },
      },
      { index: 2, status: 'rejected', error: { code: 'malformed_lead', message: expect.any(String) } },
      { index: 3, id: expect.any(String), status: 'queued' },
    ]);
    expect(enqueued.map((envelope) => envelope.fields.last_name)).toEqual(['Doe', 'Roe']);
    const ids = answer.results.flatMap((item) => (item.status === 'queued' ? [item.id] : []));
    expect(enqueued.map((envelope) => envelope.id).sort()).toEqual([...ids].sort());
  });

  it('answers 422 with the same body when no lead of the batch was queued', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(plain([{ first_name: 'A' }, { first_name: 'B' }]));

    // Assess
    expect(result.statusCode).toBe(422);
    const answer = bodyOf<PartnerBatchAnswer>(result);
    expect(answer.results.map((item) => [item.index, item.status])).toEqual([
      [0, 'rejected'],
      [1, 'rejected'],
    ]);
    expect(enqueued).toHaveLength(0);
  });

  it.each([
    ['the default limit of 100', 'plain', 101, { 'x-api-key': 'plain-key' }],
    ['a source limit of 3', 'signed', 4, undefined],
  ])('refuses a batch over %s with 413 batch_too_large', async (_name, sourceId, size, headers) => {
    // Prepare
    const { channel, enqueued } = setup();
    const body = JSON.stringify(Array.from({ length: size }, () => jane));
    const auth = headers ?? standardWebhookHeaders(secrets.SIGNED_NEW, body, { at: now });

    // Act
    const result = await channel.capture(post(sourceId, body, auth));

    // Assess
    expect(result.statusCode).toBe(413);
    expect(errorCodeOf(result)).toBe('batch_too_large');
    expect(enqueued).toHaveLength(0);
  });

  it('accepts a batch of exactly the default limit', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(plain(Array.from({ length: 100 }, () => jane)));

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued).toHaveLength(100);
  });
});

describe('partnerChannel: API keys', () => {
  it.each([
    ['the first key', 'acme-key-1'],
    ['the second key (rotation)', 'acme-key-2'],
  ])('accepts %s', async (_name, key) => {
    // Prepare
    const { channel } = setup();

    // Act
    const result = await channel.capture(post('acme', jane, { 'x-api-key': key }));

    // Assess
    expect(result.statusCode).toBe(202);
  });

  it.each([
    ['no credentials', 'acme', {}, 401, 'unauthorized'],
    ['an empty key', 'acme', { 'x-api-key': '' }, 401, 'unauthorized'],
    ['a wrong key', 'acme', { 'x-api-key': 'acme-key-3' }, 401, 'invalid_api_key'],
    ['a key of another source', 'acme', { 'x-api-key': 'plain-key' }, 401, 'invalid_api_key'],
    ['a key prefix', 'acme', { 'x-api-key': 'acme-key' }, 401, 'invalid_api_key'],
    [
      'a key to a signature-only source',
      'signed',
      { 'x-api-key': 'acme-key-1' },
      403,
      'auth_method_not_allowed',
    ],
    ['a key whose secret is not set', 'unset-keys', { 'x-api-key': 'x' }, 503, 'auth_unavailable'],
    ['an unknown source', 'nope', { 'x-api-key': 'acme-key-1' }, 404, 'unknown_source'],
    ['a source of another channel', 'a-form', { 'x-api-key': 'acme-key-1' }, 404, 'unknown_source'],
  ])('refuses %s', async (_name, sourceId, headers, status, code) => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post(sourceId, jane, headers));

    // Assess
    expect(result.statusCode).toBe(status);
    expect(errorCodeOf(result)).toBe(code);
    expect(enqueued).toHaveLength(0);
  });
});

describe('partnerChannel: Standard Webhooks signatures', () => {
  const body = JSON.stringify(jane);

  it.each([
    ['the whsec_ secret', secrets.SIGNED_OLD],
    ['the plain-text secret (rotation)', secrets.SIGNED_NEW],
  ])('accepts a request signed with %s', async (_name, secret) => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(
      post('signed', body, standardWebhookHeaders(secret, body, { at: now })),
    );

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued).toHaveLength(1);
  });

  it.each([
    ['signed 6 minutes ago', { at: new Date(now.getTime() - 6 * 60_000) }, 'signature_expired'],
    ['signed 6 minutes in the future', { at: new Date(now.getTime() + 6 * 60_000) }, 'signature_expired'],
    ['replayed a day later', { at: new Date(now.getTime() - 86_400_000) }, 'signature_expired'],
  ])('refuses a request %s', async (_name, options, code) => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(
      post('signed', body, standardWebhookHeaders(secrets.SIGNED_NEW, body, options)),
    );

    // Assess
    expect(result.statusCode).toBe(401);
    expect(errorCodeOf(result)).toBe(code);
    expect(enqueued).toHaveLength(0);
  });

  it.each([
    ['a tampered body', (h: Record<string, string>) => h, `${body} `, 'invalid_signature'],
    [
      'an unknown secret',
      () => standardWebhookHeaders('whsec_d3Jvbmc=', body, { at: now }),
      body,
      'invalid_signature',
    ],
    [
      'a v2 signature',
      (h: Record<string, string>) => ({
        ...h,
        'webhook-signature': String(h['webhook-signature']).replace('v1,', 'v2,'),
      }),
      body,
      'unsupported_signature_scheme',
    ],
    [
      'a missing webhook-id',
      (h: Record<string, string>) => ({ ...h, 'webhook-id': '' }),
      body,
      'signature_headers_missing',
    ],
    [
      'a timestamp in milliseconds',
      (h: Record<string, string>) => ({ ...h, 'webhook-timestamp': String(now.getTime()) }),
      body,
      'signature_timestamp_invalid',
    ],
  ])('refuses %s with 401', async (_name, change, sent, code) => {
    // Prepare
    const { channel } = setup();
    const headers = change(standardWebhookHeaders(secrets.SIGNED_NEW, body, { at: now }));

    // Act
    const result = await channel.capture(post('signed', sent, headers));

    // Assess
    expect(result.statusCode).toBe(401);
    expect(errorCodeOf(result)).toBe(code);
  });

  it('refuses a signature to a source that only accepts API keys', async () => {
    // Prepare
    const { channel } = setup();

    // Act
    const result = await channel.capture(
      post('plain', body, standardWebhookHeaders('whsec_eA==', body, { at: now })),
    );

    // Assess
    expect(result.statusCode).toBe(403);
    expect(errorCodeOf(result)).toBe('auth_method_not_allowed');
  });

  it('keys a signed replay with a fresh Idempotency-Key by its webhook-id: one lead, not two', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const headers = standardWebhookHeaders(secrets.SIGNED_NEW, body, { id: 'msg_7', at: now });

    // Act
    await channel.capture(post('signed', body, { ...headers, 'idempotency-key': 'first' }));
    await channel.capture(post('signed', body, { ...headers, 'idempotency-key': 'fresh-on-replay' }));

    // Assess
    expect(enqueued.map((envelope) => envelope.dedupeKey)).toEqual([
      'partner:signed:msg:msg_7',
      'partner:signed:msg:msg_7',
    ]);
  });

  it('keys each lead of a signed batch by webhook-id and index; a signed lead id wins', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const batch = JSON.stringify([jane, { ...jane, lead_id: 'L-9' }]);
    const signedBatch = standardWebhookHeaders(secrets.SIGNED_NEW, batch, { id: 'msg_b', at: now });

    // Act
    await channel.capture(post('signed-ids', batch, { ...signedBatch, 'idempotency-key': 'ignored' }));

    // Assess
    expect(enqueued.map((envelope) => envelope.dedupeKey)).toEqual([
      'partner:signed-ids:msg:msg_b:0',
      'partner:signed-ids:lead:L-9',
    ]);
  });

  it.each([
    ['whsec_ with nothing after it', 'bad-empty'],
    ['whsec_ with text that is not base64', 'bad-base64'],
    ['a key shorter than 24 bytes', 'bad-short'],
  ])(
    'counts a signing secret of %s as not configured: 503 auth_unavailable, never accepted',
    async (_name, sourceId) => {
      // Prepare
      const { channel, enqueued } = setup();
      const emptyKey = (id: string, at: string) =>
        `v1,${createHmac('sha256', Buffer.alloc(0)).update(`${id}.${at}.${body}`).digest('base64')}`;
      const at = String(Math.floor(now.getTime() / 1000));
      const before = counterValues().partner_signing_secret_malformed ?? 0;

      // Act
      const result = await channel.capture(
        post(sourceId, body, {
          'webhook-id': 'msg_forged',
          'webhook-timestamp': at,
          'webhook-signature': emptyKey('msg_forged', at),
        }),
      );

      // Assess
      expect(result.statusCode).toBe(503);
      expect(errorCodeOf(result)).toBe('auth_unavailable');
      expect(enqueued).toHaveLength(0);
      expect(counterValues().partner_signing_secret_malformed).toBe(before + 1);
    },
  );

  it('uses the well-formed secret of a source that also lists a malformed one', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(
      post('bad-and-good', body, standardWebhookHeaders(secrets.SIGNED_NEW, body, { at: now })),
    );

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued).toHaveLength(1);
  });

  it('refuses 200 listed signatures with 401 too_many_signatures without signing the body 200 times', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const headers = standardWebhookHeaders(secrets.SIGNED_NEW, body, { at: now });
    const many = Array.from({ length: 199 }, () => `v1,${'A'.repeat(43)}=`);
    const signing = vi.spyOn(Webhook.prototype, 'sign');

    // Act
    const result = await channel.capture(
      post('signed', body, {
        ...headers,
        'webhook-signature': [...many, headers['webhook-signature']].join(' '),
      }),
    );

    // Assess
    expect(result.statusCode).toBe(401);
    expect(errorCodeOf(result)).toBe('too_many_signatures');
    expect(signing).not.toHaveBeenCalled();
    expect(enqueued).toHaveLength(0);
    signing.mockRestore();
  });

  it('signs the body once per secret, however many candidates (up to 5) are listed', async () => {
    // Prepare
    const { channel } = setup();
    const headers = standardWebhookHeaders(secrets.SIGNED_NEW, body, { at: now });
    const decoys = Array.from({ length: 4 }, () => `v1,${'A'.repeat(43)}=`);
    const signing = vi.spyOn(Webhook.prototype, 'sign');

    // Act
    const result = await channel.capture(
      post('signed', body, {
        ...headers,
        'webhook-signature': [...decoys, headers['webhook-signature']].join(' '),
      }),
    );

    // Assess
    expect(result.statusCode).toBe(202);
    expect(signing).toHaveBeenCalledTimes(2); // SIGNED_OLD and SIGNED_NEW
    signing.mockRestore();
  });

  it('gives a replay inside the window the same dedupe key (webhook-id): delivered once', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const headers = standardWebhookHeaders(secrets.SIGNED_NEW, body, { id: 'msg_42', at: now });

    // Act
    await channel.capture(post('signed', body, headers));
    await channel.capture(post('signed', body, headers));

    // Assess
    expect(enqueued.map((envelope) => envelope.dedupeKey)).toEqual([
      'partner:signed:msg:msg_42',
      'partner:signed:msg:msg_42',
    ]);
  });
});

describe('partnerChannel: dedupe keys', () => {
  it.each([
    [
      'Idempotency-Key on one lead',
      'plain',
      jane,
      { 'idempotency-key': 'req-1' },
      ['partner:plain:key:req-1'],
    ],
    [
      'Idempotency-Key on a batch (per index)',
      'plain',
      [jane, jane],
      { 'idempotency-key': 'req-2' },
      ['partner:plain:key:req-2:0', 'partner:plain:key:req-2:1'],
    ],
    ['the lead id field', 'acme', { ...jane, lead_id: 'A-7' }, {}, ['partner:acme:lead:A-7']],
    [
      'Idempotency-Key over the lead id field',
      'acme',
      { ...jane, lead_id: 'A-7' },
      { 'idempotency-key': 'req-3' },
      ['partner:acme:key:req-3'],
    ],
  ])('uses %s', async (_name, sourceId, body, headers, keys) => {
    // Prepare
    const { channel, enqueued } = setup();
    const key = sourceId === 'acme' ? 'acme-key-1' : 'plain-key';

    // Act
    const result = await channel.capture(post(sourceId, body, { 'x-api-key': key, ...headers }));

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued.map((envelope) => envelope.dedupeKey)).toEqual(keys);
  });

  it('answers a resend with the same Idempotency-Key with the id of the first, and a new key with a new id', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const send = async (key: string) =>
      bodyOf<{ id: string }>(await channel.capture(plain(jane, { 'idempotency-key': key }))).id;

    // Act
    const first = await send('order-1042');
    const resent = await send('order-1042');
    const other = await send('order-1043');

    // Assess
    expect(resent).toBe(first);
    expect(other).not.toBe(first);
    expect(enqueued.map((envelope) => envelope.id)).toEqual([first, first, other]);
  });

  it('answers each lead of a resent batch with the ids of the first sending', async () => {
    // Prepare
    const { channel } = setup();
    const send = async () =>
      bodyOf<PartnerBatchAnswer>(
        await channel.capture(plain([jane, jane], { 'idempotency-key': 'b-1' })),
      ).results.map((result) => ('id' in result ? result.id : undefined));

    // Act
    const first = await send();
    const resent = await send();

    // Assess
    expect(first[0]).not.toBe(first[1]);
    expect(resent).toEqual(first);
  });

  it('gives leads without a key of their own a new id each time', async () => {
    // Prepare
    const { channel } = setup();
    const send = async () => bodyOf<{ id: string }>(await channel.capture(plain(jane))).id;

    // Act
    const ids = [await send(), await send()];

    // Assess
    expect(ids[1]).not.toBe(ids[0]);
  });

  it('falls back to the envelope id without a key or lead id', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    await channel.capture(plain(jane));

    // Assess
    expect(enqueued[0]?.dedupeKey).toBe(`partner:${enqueued[0]?.id}`);
  });

  it('gives the same lead id the same key across resubmissions', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    await channel.capture(acme({ ...jane, lead_id: 12345 }));
    await channel.capture(acme([{ ...jane, lead_id: '12345' }]));

    // Assess
    expect(enqueued.map((envelope) => envelope.dedupeKey)).toEqual([
      'partner:acme:lead:12345',
      'partner:acme:lead:12345',
    ]);
  });

  it('keys a lead by the first of several lead ids, and ignores a blank one', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    await channel.capture(acme({ ...jane, lead_id: [' 777 ', '778'] }));
    await channel.capture(acme({ ...jane, lead_id: '   ' }));

    // Assess
    expect(enqueued.map((envelope) => envelope.dedupeKey)).toEqual([
      'partner:acme:lead:777',
      `partner:${enqueued[1]?.id}`,
    ]);
  });
});

describe('partnerChannel: malformed requests', () => {
  it.each([
    ['text/plain', plain('hi', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type'],
    [
      'a form post',
      plain('a=1', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    ],
    ['malformed JSON', plain('{"first_name":'), 400, 'malformed_body'],
    ['invalid UTF-8', plain(Buffer.from([0x7b, 0xff, 0x7d])), 400, 'malformed_body'],
    ['a JSON string', plain('"lead"'), 400, 'malformed_body'],
    ['an empty batch', plain('[]'), 400, 'empty_batch'],
    ['a list value with objects', plain({ ...jane, tags: [{ a: 1 }] }), 400, 'malformed_body'],
    [
      'a lead nested 20,000 levels deep',
      plain(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`),
      400,
      'too_deep',
    ],
    [
      'a batch lead nested 20,000 levels deep',
      plain(`[${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}]`),
      422,
      undefined,
    ],
    [
      'a lead nested 9 levels deep',
      plain({ ...jane, a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } }),
      400,
      'too_deep',
    ],
    [
      'an Idempotency-Key with spaces',
      plain(jane, { 'idempotency-key': 'a b' }),
      400,
      'invalid_idempotency_key',
    ],
    [
      'an Idempotency-Key of 256 characters',
      plain(jane, { 'idempotency-key': 'k'.repeat(256) }),
      400,
      'invalid_idempotency_key',
    ],
    ['a body over 256 KB', plain({ ...jane, note: 'x'.repeat(300 * 1024) }), 413, 'payload_too_large'],
  ])('refuses %s', async (_name, request, status, code) => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(request);

    // Assess
    expect(result.statusCode).toBe(status);
    if (code === undefined) {
      const answer = bodyOf<PartnerBatchAnswer>(result);
      expect(answer.results[0]).toMatchObject({ status: 'rejected', error: { code: 'too_deep' } });
    } else expect(errorCodeOf(result)).toBe(code);
    expect(enqueued).toHaveLength(0);
  });

  it.each([
    ['one lead', jane],
    ['a batch', [jane, jane]],
  ])('answers 503 queue_unavailable with Retry-After for %s when the queue is down', async (_name, body) => {
    // Prepare
    const { channel, failing } = setup();
    failing();

    // Act
    const result = await channel.capture(plain(body));

    // Assess
    expect(result.statusCode).toBe(503);
    expect(result.headers['retry-after']).toBeDefined();
    expect(errorCodeOf(result)).toBe('queue_unavailable');
  });
});

describe('the partner API document (docs/openapi.json)', () => {
  const document = JSON.parse(partnerOpenApi()) as Record<string, unknown>;

  it('is current: `npm run openapi` was run after the last change to the schemas', () => {
    expect(readFileSync('docs/openapi.json', 'utf8')).toBe(partnerOpenApi());
  });

  it('resolves every $ref inside the document', () => {
    // Prepare
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/([^"]+)"/g)].map(
      (match) => match[1] ?? '',
    );

    // Act
    const unresolved = refs.filter((ref) => {
      let node: unknown = document;
      for (const part of ref.split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
      return node === undefined;
    });

    // Assess
    expect(refs.length).toBeGreaterThan(5);
    expect(unresolved).toEqual([]);
  });

  it('documents every error code with its status', () => {
    // Prepare
    const text = JSON.stringify(document);

    // Assess
    for (const code of Object.keys(partnerErrorCodes)) expect(text).toContain(`\`${code}\``);
  });
});

describe('partnerChannel: what each rejection tells the partner', () => {
  /** The error of a rejected request (status and code checked against the table), or of a batch item. */
  async function errorOf(request: ReturnType<typeof post>) {
    const result = await setup().channel.capture(request);
    errorCodeOf(result);
    return { status: result.statusCode, ...partnerErrorAnswerSchema.parse(bodyOf(result)).error };
  }
  const deep = (levels: number): unknown => (levels <= 1 ? 'x' : { nested: deep(levels - 1) });

  it.each<[string, ReturnType<typeof post>, number, string, string]>([
    [
      'an unknown source',
      post('nope', jane),
      404,
      'unknown_source',
      'No partner source "nope" is configured for this route.',
    ],
    [
      'a source of another channel',
      post('a-form', jane),
      404,
      'unknown_source',
      'No partner source "a-form" is configured for this route.',
    ],
    [
      'a wrong API key',
      acme(jane, { 'x-api-key': 'wrong' }),
      401,
      'invalid_api_key',
      'The X-Api-Key is not valid for this source.',
    ],
    [
      'an API key to a signed source',
      post('signed', jane, { 'x-api-key': 'k' }),
      403,
      'auth_method_not_allowed',
      'This source does not accept API keys: sign requests with its Standard Webhooks secret.',
    ],
    ...(['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const).map(
      (header): [string, ReturnType<typeof post>, number, string, string] => [
        `a ${header} header to an API-key source`,
        post('plain', jane, { [header]: 'x' }),
        403,
        'auth_method_not_allowed',
        'This source does not accept signed requests: send its X-Api-Key.',
      ],
    ),
    [
      'no authentication',
      post('plain', jane),
      401,
      'unauthorized',
      'Authenticate with an X-Api-Key header or a Standard Webhooks signature.',
    ],
    [
      'a body that is not JSON',
      plain('not json'),
      400,
      'malformed_body',
      'The body is not valid UTF-8 JSON.',
    ],
    [
      'JSON with bytes that are not UTF-8',
      plain(
        Buffer.concat([
          Buffer.from('{"first_name":"'),
          Buffer.from([0xff]),
          Buffer.from('","last_name":"Doe"}'),
        ]),
      ),
      400,
      'malformed_body',
      'The body is not valid UTF-8 JSON.',
    ],
    [
      'a JSON number',
      plain('42'),
      400,
      'malformed_body',
      'The JSON body must be a lead (an object) or a list of leads.',
    ],
    [
      'JSON null',
      plain('null'),
      400,
      'malformed_body',
      'The JSON body must be a lead (an object) or a list of leads.',
    ],
    ['an empty batch', plain([]), 400, 'empty_batch', 'The batch is empty: send at least one lead.'],
    [
      'a batch over the limit',
      plain(Array.from({ length: 101 }, () => jane)),
      413,
      'batch_too_large',
      'A batch may carry at most 100 leads (got 101).',
    ],
    [
      'a lead without a name',
      plain({ email: 'jane@example.com' }),
      422,
      'validation_failed',
      'Some required fields are missing or invalid.',
    ],
    [
      'a blank Idempotency-Key',
      plain(jane, { 'idempotency-key': ' ' }),
      400,
      'invalid_idempotency_key',
      'Idempotency-Key must be 1 to 255 visible ASCII characters.',
    ],
    [
      'a body over the size limit',
      plain({ ...jane, note: 'x'.repeat(256 * 1024) }),
      413,
      'payload_too_large',
      'The request body is larger than 256 KB.',
    ],
    [
      'a plain-text body',
      plain(jane, { 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
      'Send leads as JSON with Content-Type: application/json.',
    ],
  ])('answers %s with its status, code and message', async (_case, request, status, code, message) => {
    // Act
    const error = await errorOf(request);

    // Assess
    expect(error).toMatchObject({ status, code, message });
  });

  it('answers a request without Content-Type 415', async () => {
    // Prepare
    const request = plain(jane);
    delete request.headers['content-type'];

    // Act
    const error = await errorOf(request);

    // Assess
    expect(error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('accepts application/json in any case, with parameters', async () => {
    // Act
    const result = await setup().channel.capture(
      plain(jane, { 'content-type': ' Application/JSON ; charset=utf-8' }),
    );

    // Assess
    expect(result.statusCode).toBe(202);
  });

  it('accepts a lead nested exactly as deep as allowed', async () => {
    // Act
    const result = await setup().channel.capture(plain({ ...jane, extra: deep(7) }));

    // Assess
    expect(result.statusCode).toBe(202);
  });

  it('tells each lead of a batch that is not an object why, and counts the rejection by code', async () => {
    // Prepare
    const before = counterValues().partner_item_rejected_malformed_lead ?? 0;

    // Act
    const result = await setup().channel.capture(plain([jane, 42]));

    // Assess
    expect(bodyOf<PartnerBatchAnswer>(result).results[1]).toEqual({
      index: 1,
      status: 'rejected',
      error: {
        code: 'malformed_lead',
        message: 'Each lead must be a JSON object of field names and values.',
      },
    });
    expect((counterValues().partner_item_rejected_malformed_lead ?? 0) - before).toBe(1);
  });
});

describe('partnerChannel: what a request leaves for the request log and the metrics', () => {
  it('keeps the lead id of a single lead and the tally of a batch for the request log', async () => {
    // Prepare
    const { channel } = setup();

    // Act
    const single = await channel.capture(plain(jane));
    const batch = await channel.capture(plain([jane, { email: 'x@example.com' }, 7]));

    // Assess
    expect(single[logFields]).toEqual({ channel: 'partner', leadId: bodyOf<{ id: string }>(single).id });
    expect(batch[logFields]).toEqual({ channel: 'partner', items: 3, queued: 1, rejected: 2, failed: 0 });
  });

  it('answers 202 for a batch the queue took only in part, marking the others failed', async () => {
    // Prepare
    const base = channelDeps(sources, secrets, () => now);
    cleanups.push(base.cleanup);
    const taken: string[] = [];
    const channel = partnerChannel({
      ...base.deps,
      queue: {
        ...base.deps.queue,
        async enqueue(envelope) {
          if (envelope.fields.last_name === 'Refused') throw new Error('queue down');
          taken.push(String(envelope.fields.last_name));
        },
      },
    });

    // Act
    const result = await channel.capture(plain([jane, { ...jane, last_name: 'Refused' }]));

    // Assess
    expect(result.statusCode).toBe(202);
    expect(bodyOf<PartnerBatchAnswer>(result).results.map((item) => item.status)).toEqual([
      'queued',
      'failed',
    ]);
    expect(taken).toEqual(['Doe']);
  });

  it('counts a batch answered 422 as partner_rejected', async () => {
    // Prepare
    const before = counterValues().partner_rejected ?? 0;

    // Act
    const result = await setup().channel.capture(plain([{ email: 'x@example.com' }]));

    // Assess
    expect(result.statusCode).toBe(422);
    expect((counterValues().partner_rejected ?? 0) - before).toBe(1);
  });

  it('counts only the malformed signing secrets of a source that also has a good one', async () => {
    // Prepare
    const body = JSON.stringify(jane);
    const before = counterValues().partner_signing_secret_malformed ?? 0;

    // Act
    const result = await setup().channel.capture(
      post('bad-and-good', body, standardWebhookHeaders(secrets.SIGNED_NEW, body, { at: now })),
    );

    // Assess
    expect(result.statusCode).toBe(202);
    expect((counterValues().partner_signing_secret_malformed ?? 0) - before).toBe(1);
  });
});
