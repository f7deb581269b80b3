import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { UNROUTED_SOURCE_ID } from '#shared/channels/channel.ts';
import { tiktokChannel, tiktokRouter, tiktokSignatureValid } from '#shared/channels/tiktok/channel.ts';
import { tiktok as tiktokDescriptor } from '#shared/channels/tiktok/index.ts';
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
