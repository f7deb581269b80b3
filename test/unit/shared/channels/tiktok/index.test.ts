import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signedHeaders, tiktok } from '#shared/channels/index.ts';
import { bodyOf, postingTo, tiktokNotification } from '#test/support/channels.ts';

const appSecret = 'tiktok-app-secret';
const notification = tiktokNotification();
const at = 1714644422;

/** TikTok's route as the registry builds it, with the app secret set (no source: leads queue unrouted). */
const capture = () =>
  postingTo(tiktok, 'POST /v1/webhooks/tiktok', { secrets: { TIKTOK_APP_SECRET: appSecret } });

describe('tiktok.sign', () => {
  it('writes TikTok-Signature as TikTok does: t=<unix seconds>,s=<hex HMAC-SHA256 of "<t>." + raw body>', () => {
    // Act
    const headers = signedHeaders(tiktok, appSecret, notification, at);

    // Assess
    const digest = createHmac('sha256', appSecret).update(`${at}.${notification}`).digest('hex');
    expect(headers).toEqual({ 'tiktok-signature': `t=${at},s=${digest}` });
  });

  it('signs at the current time by default', () => {
    // Act
    const header = signedHeaders(tiktok, appSecret, notification)['tiktok-signature'] ?? '';

    // Assess
    const signedAt = Number(/^t=(\d+),/.exec(header)?.[1]);
    expect(Math.abs(signedAt - Date.now() / 1000)).toBeLessThan(5);
  });

  it('signs what capture accepts', async () => {
    // Prepare
    const { post, enqueued } = capture();
    const headers = signedHeaders(tiktok, appSecret, notification, at);

    // Act
    const result = await post(notification, headers);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(enqueued).toHaveLength(1);
    expect(tiktok.verify?.(appSecret, Buffer.from(notification), headers)).toBe(true);
  });

  it.each([
    ['a tampered body', appSecret, notification.replace('Jane', 'June')],
    ['another app secret', 'another-app-secret', notification],
  ])('is refused by capture and verify under %s', async (_name, secret, signedBody) => {
    // Prepare
    const { post, enqueued } = capture();
    const headers = signedHeaders(tiktok, secret, signedBody, at);

    // Act
    const result = await post(notification, headers);

    // Assess
    expect(result.statusCode).toBe(401);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'invalid_signature' } });
    expect(enqueued).toHaveLength(0);
    expect(tiktok.verify?.(appSecret, Buffer.from(notification), headers)).toBe(false);
  });
});
