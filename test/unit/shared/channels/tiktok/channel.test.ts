import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { UNROUTED_SOURCE_ID } from '#shared/channels/channel.ts';
import {
  tiktokChannel,
  tiktokEntryInput,
  tiktokRouter,
  tiktokSignatureValid,
} from '#shared/channels/tiktok/channel.ts';
import { tiktok as tiktokDescriptor } from '#shared/channels/tiktok/index.ts';
import { logFields } from '#shared/http/response.ts';
import { counterValues } from '#shared/telemetry.ts';
import {
  answering,
  bigIds,
  bodyOf,
  channelDeps,
  httpRequest,
  sourcesFrom,
  tiktokNotification,
  tiktokSignature,
} from '#test/support/channels.ts';
import { interceptLogLines, type LogLine } from '#test/support/fuzz/logs.ts';

const appSecret = 'tiktok-app-secret';
const lead = `
  FirstName: { from: name, part: first }
  LastName: { from: name, part: last, default: "-" }
  Email:
    - { from: email }
`;
const tiktokSource = (advertiserId: string) =>
  `channel: tiktok\ntiktok: { advertiserId: "${advertiserId}" }\nlead:${lead}`;
const sources = {
  'tiktok-spring': tiktokSource(bigIds.advertiser),
  'tiktok-other': tiktokSource('7000000000000000099'),
};

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function setup(secrets: Record<string, string> = { TIKTOK_APP_SECRET: appSecret }) {
  const setup = channelDeps(sources, secrets, () => new Date('2024-05-02T10:07:03.000Z'));
  cleanups.push(setup.cleanup);
  return { ...setup, channel: answering(tiktokDescriptor, tiktokChannel(setup.deps)) };
}

/** Posts a notification signed with the app secret; `signature: null` sends none. */
function post(body: string, signature: string | null = tiktokSignature(appSecret, body)) {
  return httpRequest({
    path: '/v1/webhooks/tiktok',
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { 'tiktok-signature': signature }),
    },
    body,
  });
}

describe('tiktokChannel', () => {
  it('queues one envelope per entry: fields from changes, $tiktok context, exact 19-digit ids', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const body = tiktokNotification([
      { id: '7301234567890123457' },
      { id: '7301234567890123458', changes: [{ field: 'name', value: 'John Roe' }] },
    ]);

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({});
    expect(enqueued).toHaveLength(2);
    expect(enqueued[0]).toMatchObject({
      sourceId: 'tiktok-spring',
      channel: 'tiktok',
      dedupeKey: 'tiktok:7301234567890123457',
      fields: {
        name: 'Jane Doe',
        email: 'jane.doe@example.com',
        phone_number: '+34600000000',
        interests: ['Pricing', 'Demo'],
      },
      context: {
        source: 'tiktok-spring',
        'tiktok.lead_id': '7301234567890123457',
        'tiktok.page_id': bigIds.page,
        'tiktok.advertiser_id': bigIds.advertiser,
        'tiktok.campaign_id': bigIds.campaign,
        'tiktok.adgroup_id': bigIds.adgroup,
        'tiktok.ad_id': bigIds.ad,
        'tiktok.create_time': '1714644421',
      },
    });
    expect(enqueued[1]).toMatchObject({
      dedupeKey: 'tiktok:7301234567890123458',
      fields: { name: 'John Roe' },
    });
  });

  it('routes each entry by its advertiser, and queues an unknown advertiser as unrouted', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const body = tiktokNotification([
      { advertiserId: '7000000000000000099' },
      { advertiserId: '7000000000000000777' },
    ]);

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(enqueued.map((envelope) => envelope.sourceId)).toEqual(['tiktok-other', UNROUTED_SOURCE_ID]);
    expect(enqueued[1]?.context['tiktok.advertiser_id']).toBe('7000000000000000777');
  });

  it('gives a repeated notification the same dedupe keys', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const body = tiktokNotification();

    // Act
    await channel.capture(post(body));
    await channel.capture(post(body));

    // Assess
    expect(enqueued).toHaveLength(2);
    expect(enqueued[0]?.dedupeKey).toBe(enqueued[1]?.dedupeKey);
  });

  it('answers 200 {} to a notification without entries and queues nothing', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post('{"object":1,"entry":[],"time":1714644422}'));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(enqueued).toHaveLength(0);
  });

  it.each([
    ['a missing signature', null, 'signature_missing'],
    [
      'a signature under another secret',
      tiktokSignature('other-secret', tiktokNotification()),
      'invalid_signature',
    ],
    ['a sha1= signature (another scheme)', `sha1=${'a'.repeat(40)}`, 'invalid_signature'],
    [
      'a sha256= prefixed signature',
      `sha256=${tiktokSignature(appSecret, tiktokNotification()).split(',s=')[1]}`,
      'invalid_signature',
    ],
    [
      'a signature of other bytes',
      tiktokSignature(appSecret, `${tiktokNotification()} `),
      'invalid_signature',
    ],
  ])('refuses %s with 401 and our error shape', async (_name, signature, code) => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post(tiktokNotification(), signature));

    // Assess
    expect(result.statusCode).toBe(401);
    expect(bodyOf(result)).toEqual({ error: { code, message: expect.any(String) } });
    expect(enqueued).toHaveLength(0);
  });

  it.each([
    ['malformed JSON', '{"entry": [', 400, 'malformed_body'],
    ['no entry list', '{"object":1}', 400, 'malformed_body'],
    ['an entry without a lead id', '{"entry":[{"advertiser_id":1,"changes":[]}]}', 400, 'malformed_body'],
    ['a body over 256 KB', `{"entry":[],"pad":"${'x'.repeat(300 * 1024)}"}`, 413, 'payload_too_large'],
  ])('rejects %s', async (_name, body, status, code) => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(result.statusCode).toBe(status);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe(code);
    expect(enqueued).toHaveLength(0);
  });

  it('answers 503 when TIKTOK_APP_SECRET is not set, so TikTok retries', async () => {
    // Prepare
    const { channel } = setup({});

    // Act
    const result = await channel.capture(post(tiktokNotification()));

    // Assess
    expect(result.statusCode).toBe(503);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe('auth_unavailable');
  });

  it('answers 503 when the queue is down', async () => {
    // Prepare
    const { channel, failing } = setup();
    failing();

    // Act
    const result = await channel.capture(post(tiktokNotification()));

    // Assess
    expect(result.statusCode).toBe(503);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe('queue_unavailable');
  });
});

describe('tiktokSignatureValid (the documented TikTok-Signature rule, in one place)', () => {
  const body = Buffer.from(tiktokNotification());
  const hex = (header: string) => header.slice(header.indexOf(',s=') + 3);
  const legacy = createHmac('sha256', appSecret).update(body).digest('hex');

  it.each([
    ['t=<ts>,s=<hex HMAC-SHA256 of "<ts>." + raw body>', true, tiktokSignature(appSecret, body)],
    [
      'the same in upper case hex',
      true,
      `t=1714644422,s=${hex(tiktokSignature(appSecret, body)).toUpperCase()}`,
    ],
    [
      'the same with spaces after the comma',
      true,
      `t=1714644422, s=${hex(tiktokSignature(appSecret, body))}`,
    ],
    [
      'the signature with another timestamp',
      false,
      `t=1714644423,s=${hex(tiktokSignature(appSecret, body))}`,
    ],
    ['no timestamp', false, `s=${hex(tiktokSignature(appSecret, body))}`],
    ['the undocumented X-Open-Signature value (HMAC of the body alone)', false, legacy],
    ['the same as s= without t=', false, `s=${legacy}`],
    ['64 hex digits that are not the HMAC', false, `t=1714644422,s=${'0'.repeat(64)}`],
    ['no header', false, undefined],
  ])('%s → valid: %s', (_name, valid, header) => {
    expect(tiktokSignatureValid(appSecret, body, header)).toBe(valid);
  });
});

describe('tiktokChannel caps the leads of one notification', () => {
  it('refuses 1,001 entries with 413 too_many_leads and queues nothing', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const body = tiktokNotification(
      Array.from({ length: 1001 }, (_, index) => ({
        id: String(7301234567890000000n + BigInt(index)),
        changes: [],
      })),
    );

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(result.statusCode).toBe(413);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe('too_many_leads');
    expect(enqueued).toHaveLength(0);
  });
});

describe('tiktokRouter', () => {
  it('routes an unrouted envelope with the current config once its advertiser has a source', async () => {
    // Prepare
    const before = setup();
    await before.channel.capture(post(tiktokNotification([{ advertiserId: '7000000000000000777' }])));
    const envelope = before.enqueued[0];
    if (!envelope) throw new Error('nothing queued');
    const now = sourcesFrom({ ...sources, 'tiktok-late': tiktokSource('7000000000000000777') });
    cleanups.push(now.cleanup);

    // Act
    const routedBefore = tiktokRouter(envelope, before.deps.sources);
    const routedNow = tiktokRouter(envelope, now.sources);

    // Assess
    expect(envelope.sourceId).toBe(UNROUTED_SOURCE_ID);
    expect(routedBefore).toBeUndefined();
    expect(routedNow?.id).toBe('tiktok-late');
  });
});

describe('tiktokChannel: what operators read (messages, counters, log fields) and the field rules', () => {
  type ErrorBody = { error: { code: string; message: string } };
  const entry = (changes: unknown, extra = '') =>
    `{"object":1,"entry":[{"id":7301234567890123457,"advertiser_id":${bigIds.advertiser}${extra},"changes":${JSON.stringify(changes)}}]}`;

  it.each([
    [
      'a missing signature',
      '{"entry":[]}',
      null,
      401,
      'signature_missing',
      'The TikTok-Signature header is missing.',
    ],
    [
      'a signature of other bytes',
      '{"entry":[]}',
      tiktokSignature(appSecret, '{}'),
      401,
      'invalid_signature',
      'TikTok-Signature does not match the request body.',
    ],
    ['malformed JSON', '{"entry": [', undefined, 400, 'malformed_body', 'The body is not valid UTF-8 JSON.'],
    [
      'a JSON list',
      '[]',
      undefined,
      400,
      'malformed_body',
      'The body must be a JSON object with an entry list.',
    ],
    [
      'no entry list',
      '{"object":1}',
      undefined,
      400,
      'malformed_body',
      'The notification has no entry list.',
    ],
    [
      'an entry that is null',
      '{"entry":[{"id":1},null]}',
      undefined,
      400,
      'malformed_body',
      'entry[1] has no lead id.',
    ],
    [
      'an entry with an empty id',
      '{"entry":[{"id":""}]}',
      undefined,
      400,
      'malformed_body',
      'entry[0] has no lead id.',
    ],
  ])('explains %s', async (_name, body, signature, status, code, message) => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(
      post(body, signature === undefined ? tiktokSignature(appSecret, body) : signature),
    );

    // Assess
    expect(result.statusCode).toBe(status);
    expect(bodyOf<ErrorBody>(result).error).toMatchObject({ code, message });
    expect(enqueued).toHaveLength(0);
  });

  it('accepts a body of exactly 256 KB and 1,000 entries', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const entries = Array.from(
      { length: 1000 },
      (_, index) => `{"id":${7301234567890000000n + BigInt(index)}}`,
    );
    const frame = `{"entry":[${entries.join(',')}],"pad":""}`;
    const body = `{"entry":[${entries.join(',')}],"pad":"${'x'.repeat(256 * 1024 - frame.length)}"}`;

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(Buffer.byteLength(body)).toBe(256 * 1024);
    expect(result.statusCode).toBe(200);
    expect(enqueued).toHaveLength(1000);
  });

  it('logs the lead id of a one-lead notification, and the number of leads', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const single = await channel.capture(post(tiktokNotification()));
    const two = await channel.capture(post(tiktokNotification([{}, {}])));

    // Assess
    expect(single[logFields]).toEqual({ channel: 'tiktok', leadId: enqueued[0]?.id, leads: 1 });
    expect(enqueued[0]?.id).toEqual(expect.any(String));
    expect(two[logFields]).toEqual({ channel: 'tiktok', leadId: undefined, leads: 2 });
  });

  it('counts and warns (ids only) about an unrouted lead, never about a routed one', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const before = counterValues().tiktok_unrouted ?? 0;
    const lines: LogLine[] = [];
    const { restore } = interceptLogLines((line) => lines.push(line));

    // Act
    try {
      await channel.capture(post(tiktokNotification([{}, { advertiserId: '7000000000000000777' }])));
    } finally {
      restore();
    }

    // Assess
    expect((counterValues().tiktok_unrouted ?? 0) - before).toBe(1);
    const warnings = lines.filter(
      (line) => line.message === 'tiktok lead matches no source: queued as unrouted',
    );
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 'WARN',
        channel: 'tiktok',
        leadId: enqueued[1]?.id,
        advertiserId: '7000000000000000777',
      }),
    ]);
  });

  it('logs which secret is not set (its name only) when TIKTOK_APP_SECRET is missing', async () => {
    // Prepare
    const { channel } = setup({});
    const lines: LogLine[] = [];
    const { restore } = interceptLogLines((line) => lines.push(line));

    // Act
    try {
      await channel.capture(post(tiktokNotification()));
    } finally {
      restore();
    }

    // Assess
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'secret not set', sourceId: 'tiktok', secret: 'TIKTOK_APP_SECRET' }),
    );
  });

  it('names the channel when two sources claim one advertiser (the first by id wins)', async () => {
    // Prepare
    const made = channelDeps(
      { ...sources, 'tiktok-also': tiktokSource(bigIds.advertiser) },
      { TIKTOK_APP_SECRET: appSecret },
    );
    cleanups.push(made.cleanup);
    const channel = tiktokChannel(made.deps);
    const lines: LogLine[] = [];
    const { restore } = interceptLogLines((line) => lines.push(line));

    // Act
    try {
      await channel.capture(post(tiktokNotification()));
    } finally {
      restore();
    }

    // Assess
    expect(made.enqueued[0]?.sourceId).toBe('tiktok-also');
    expect(lines).toContainEqual(
      expect.objectContaining({ channel: 'tiktok', sourceIds: ['tiktok-also', 'tiktok-spring'] }),
    );
  });

  it('reads changes: scalars as strings, lists, booleans; skips what has no usable name or value', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const changes = [
      { field: 'count', value: 3 },
      { field: 'ratio', value: 1.5 },
      { field: 'consent', value: true },
      { field: 'tags', value: ['a', 2, false, null, { x: 1 }] },
      { field: 'empty', value: null },
      { field: '', value: 'no name' },
      { field: 'n'.repeat(257), value: 'name too long' },
      { field: 'n'.repeat(256), value: 'longest name' },
      { field: 7, value: 'numeric name' },
      { value: 'no field' },
      null,
      'text',
    ];

    // Act
    const result = await channel.capture(post(entry(changes)));

    // Assess
    expect(result.statusCode).toBe(200);
    expect({ ...enqueued[0]?.fields }).toEqual({
      count: '3',
      ratio: '1.5',
      consent: 'true',
      tags: ['a', '2', 'false'],
      ['n'.repeat(256)]: 'longest name',
    });
  });

  it('cuts a value at 64 KB, keeps at most 100 values of a field, and refuses more than 500 changes', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const long = { field: 'note', value: 'v'.repeat(64 * 1024 + 1) };
    const many = Array.from({ length: 101 }, (_, index) => ({ field: 'tag', value: `t${index}` }));
    const tooMany = Array.from({ length: 501 }, (_, index) => ({ field: `f${index}`, value: 'x' }));
    const enough = Array.from({ length: 500 }, (_, index) => ({ field: `f${index}`, value: 'x' }));

    // Act
    const accepted = await channel.capture(post(entry([long, ...many])));
    const refused = await channel.capture(post(entry(tooMany)));
    const fullest = await channel.capture(post(entry(enough)));

    // Assess
    expect(accepted.statusCode).toBe(200);
    expect(enqueued[0]?.fields.note).toHaveLength(64 * 1024);
    expect(enqueued[0]?.fields.tag).toEqual(many.slice(0, 100).map((change) => change.value));
    expect(refused.statusCode).toBe(400);
    expect(bodyOf<ErrorBody>(refused).error).toMatchObject({
      code: 'too_many_fields',
      message: 'A lead may carry at most 500 fields.',
    });
    expect(fullest.statusCode).toBe(200);
    expect(Object.keys(enqueued[1]?.fields ?? {})).toHaveLength(500);
  });

  it('queues an entry whose changes are not a list with no fields, and cuts context ids at 512 characters', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    await channel.capture(post(entry({ field: 'name' }, `,"campaign_id":"${'c'.repeat(600)}","ad_id":""`)));

    // Assess
    expect({ ...enqueued[0]?.fields }).toEqual({});
    expect(enqueued[0]?.context['tiktok.campaign_id']).toBe('c'.repeat(512));
    expect(enqueued[0]?.context).not.toHaveProperty(['tiktok.ad_id']);
    expect(enqueued[0]?.context).not.toHaveProperty(['tiktok.page_id']);
  });

  it.each([
    ['t and s in the other order', (s: string) => `s=${s},t=1714644422`, true],
    ['spaces around t', (s: string) => ` t = 1714644422 ,s=${s}`, true],
    ['an element without "="', (s: string) => `v1,t=1714644422,s=${s}`, true],
    ['an element starting with "="', (s: string) => `=x,t=1714644422,s=${s}`, true],
    ['a later element without "=" that starts with t', (s: string) => `t=1714644422,s=${s},tx`, true],
    ['a timestamp with a sign', (s: string) => `t=+1714644422,s=${s}`, false],
    ['a timestamp with letters after it', (s: string) => `t=1714644422x,s=${s}`, false],
    ['a timestamp with letters before it', (s: string) => `t=x1714644422,s=${s}`, false],
    ['a timestamp of 13 digits', (s: string) => `t=1714644422000,s=${s}`, false],
  ])('tiktokSignatureValid with %s', (_name, header, valid) => {
    // Prepare
    const body = tiktokNotification();
    const at = (t: string) => createHmac('sha256', appSecret).update(`${t}.${body}`).digest('hex');
    const timestamp = /t\s*=\s*([^,]*)/.exec(header(''))?.[1]?.trim() ?? '';

    // Act
    const answer = tiktokSignatureValid(appSecret, Buffer.from(body), header(at(timestamp)));

    // Assess
    expect(answer).toBe(valid);
  });
});

describe('tiktokEntryInput', () => {
  it('leaves out the lead id of an entry that has none (a sample pasted into the preview)', () => {
    // Act
    const { fields, context } = tiktokEntryInput(
      { changes: [] },
      'tiktok-spring',
      '2024-05-02T10:07:03.000Z',
    );

    // Assess
    expect({ ...fields }).toEqual({});
    expect(context).toStrictEqual({ source: 'tiktok-spring', receivedAt: '2024-05-02T10:07:03.000Z' });
  });
});
