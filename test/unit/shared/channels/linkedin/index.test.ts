import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { linkedin, signedHeaders } from '#shared/channels/index.ts';
import { bodyOf, postingTo } from '#test/support/channels.ts';

const clientSecret = 'linkedin-client-secret';
/** A notification of another type: capture checks its signature, then answers 200 and queues nothing. */
const notification = '{"type":"ORGANIZATION_SOCIAL_ACTION","occurredAt":1714644422}';

/** LinkedIn's POST route as the registry builds it, with the client secret set. */
const capture = () =>
  postingTo(linkedin, 'POST /v1/webhooks/linkedin', { secrets: { LINKEDIN_CLIENT_SECRET: clientSecret } });

describe('linkedin.sign', () => {
  it('writes X-LI-Signature as LinkedIn documents it: hex HMAC-SHA256 of "hmacsha256=" + raw body under the client secret', () => {
    // Act
    const headers = signedHeaders(linkedin, clientSecret, notification);

    // Assess
    expect(headers).toEqual({
      'x-li-signature': createHmac('sha256', clientSecret).update(`hmacsha256=${notification}`).digest('hex'),
    });
  });

  it('signs what capture accepts', async () => {
    // Prepare
    const headers = signedHeaders(linkedin, clientSecret, notification);

    // Act
    const result = await capture().post(notification, headers);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(linkedin.verify?.(clientSecret, Buffer.from(notification), headers)).toBe(true);
  });

  it.each([
    ['a tampered body', clientSecret, notification.replace('1714644422', '1714644423')],
    ['another client secret', 'another-client-secret', notification],
  ])('is refused by capture and verify under %s', async (_name, secret, signedBody) => {
    // Prepare
    const headers = signedHeaders(linkedin, secret, signedBody);

    // Act
    const result = await capture().post(notification, headers);

    // Assess
    expect(result.statusCode).toBe(401);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'invalid_signature' } });
    expect(linkedin.verify?.(clientSecret, Buffer.from(notification), headers)).toBe(false);
  });
});
