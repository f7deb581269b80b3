import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { meta, signedHeaders } from '#shared/channels/index.ts';
import { bodyOf, postingTo } from '#test/support/channels.ts';

const appSecret = 'meta-app-secret';
const notification = '{"object":"page","entry":[{"id":"104345678901234","time":1714644422,"changes":[]}]}';

/** Meta's POST route as the registry builds it, with the app secret set. */
const capture = () =>
  postingTo(meta, 'POST /v1/webhooks/meta', {
    secrets: { META_APP_SECRET: appSecret, META_VERIFY_TOKEN: 't' },
  });

describe('meta.sign', () => {
  it('writes X-Hub-Signature-256 as Meta does: sha256=<hex HMAC-SHA256 of the raw body under the app secret>', () => {
    // Act
    const headers = signedHeaders(meta, appSecret, notification);

    // Assess
    expect(headers).toEqual({
      'x-hub-signature-256': `sha256=${createHmac('sha256', appSecret).update(notification).digest('hex')}`,
    });
  });

  it('signs what capture accepts', async () => {
    // Prepare
    const headers = signedHeaders(meta, appSecret, notification);

    // Act
    const result = await capture().post(notification, headers);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(meta.verify?.(appSecret, Buffer.from(notification), headers)).toBe(true);
  });

  it.each([
    ['a tampered body', appSecret, notification.replace('1714644422', '1714644423')],
    ['another app secret', 'another-app-secret', notification],
  ])('is refused by capture and verify under %s', async (_name, secret, signedBody) => {
    // Prepare
    const headers = signedHeaders(meta, secret, signedBody);

    // Act
    const result = await capture().post(notification, headers);

    // Assess
    expect(result.statusCode).toBe(401);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'invalid_signature' } });
    expect(meta.verify?.(appSecret, Buffer.from(notification), headers)).toBe(false);
  });
});
