import { describe, expect, it } from 'vitest';
import { partner, signedHeaders } from '#shared/channels/index.ts';
import { bodyOf, postingTo } from '#test/support/channels.ts';

const signingSecret = `whsec_${Buffer.from('partner-signing-secret-24-bytes').toString('base64')}`;
const sources = {
  acme: 'channel: partner\npartner: { signingSecrets: [ACME_SIGNING] }\nlead:\n  FirstName: first_name\n  LastName: last_name\n',
};
const lead = '{"first_name":"Jane","last_name":"Doe"}';
const now = new Date('2024-05-02T10:00:00.000Z');
const at = now.getTime() / 1000;

/** The partner route as the registry builds it, for a source that takes signed requests only. */
const capture = () =>
  postingTo(partner, 'POST /v1/partners/{sourceId}/leads', {
    sources,
    secrets: { ACME_SIGNING: signingSecret },
    pathParameters: { sourceId: 'acme' },
    now,
  });

describe('partner.sign', () => {
  it('signs the Standard Webhooks way (the spec test vector)', () => {
    // Act
    const headers = signedHeaders(
      partner,
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      '{"test": 2432232314}',
      1614265330,
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
    );

    // Assess
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('signs now, under a fresh message id, by default', () => {
    // Act
    const first = signedHeaders(partner, signingSecret, lead);
    const second = signedHeaders(partner, signingSecret, lead);

    // Assess
    expect(first['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(second['webhook-id']).not.toBe(first['webhook-id']);
    expect(Math.abs(Number(first['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('signs what capture accepts', async () => {
    // Prepare
    const { post, enqueued } = capture();
    const headers = signedHeaders(partner, signingSecret, lead, at, 'msg_1');

    // Act
    const result = await post(lead, headers);

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued.map((envelope) => envelope.dedupeKey)).toEqual(['partner:acme:msg:msg_1']);
    expect(partner.verify?.(signingSecret, Buffer.from(lead), headers, at)).toBe(true);
  });

  it.each([
    ['a tampered body', signingSecret, lead.replace('Jane', 'June'), at, 'invalid_signature'],
    [
      'another secret',
      `whsec_${Buffer.from('another-signing-secret-24-bytes').toString('base64')}`,
      lead,
      at,
      'invalid_signature',
    ],
    ['a time 10 minutes before the check', signingSecret, lead, at - 600, 'signature_expired'],
  ])('is refused by capture and verify under %s', async (_name, secret, signedBody, signedAt, code) => {
    // Prepare
    const { post, enqueued } = capture();
    const headers = signedHeaders(partner, secret, signedBody, signedAt);

    // Act
    const result = await post(lead, headers);

    // Assess
    expect(result.statusCode).toBe(401);
    expect(bodyOf(result)).toMatchObject({ error: { code } });
    expect(enqueued).toHaveLength(0);
    expect(partner.verify?.(signingSecret, Buffer.from(lead), headers, at)).toBe(false);
  });
});
