import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpError } from '#shared/http/errors.ts';
import { secretStore } from '#shared/security/secrets.ts';
import {
  hmacSha256,
  secretsEqual,
  secretsEqualAny,
  secretValues,
  signStandardWebhook,
  standardWebhooksKey,
  verifyBase64Hmac,
  verifyHexHmac,
  verifyStandardWebhook,
} from '#shared/security/signatures.ts';

/** The test vector of the Standard Webhooks specification (standardwebhooks.com). */
const spec = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: '1614265330',
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const specTime = new Date(Number(spec.timestamp) * 1000);

function specRequest(overrides: Partial<typeof spec> = {}) {
  const merged = { ...spec, ...overrides };
  return {
    id: merged.id,
    timestamp: merged.timestamp,
    signature: merged.signature,
    body: Buffer.from(merged.body),
  };
}

describe('secretsEqual', () => {
  it.each([
    ['the same secret', 'k3y-0123456789', 'k3y-0123456789', true],
    ['a different secret of the same length', 'k3y-0123456789', 'k3y-0123456780', false],
    ['a shorter secret', 'k3y', 'k3y-0123456789', false],
    ['a longer secret', 'k3y-0123456789-and-more', 'k3y-0123456789', false],
    ['an empty secret', '', 'k3y-0123456789', false],
    ['a different case', 'K3Y-0123456789', 'k3y-0123456789', false],
  ])('compares %s without throwing on different lengths', (_name, given, expected, equal) => {
    // Act
    const result = secretsEqual(given, expected);

    // Assess
    expect(result).toBe(equal);
  });
});

describe('secretsEqualAny', () => {
  it.each([
    ['the current key', 'key-current', true],
    ['the previous key (rotation)', 'key-previous', true],
    ['an unknown key', 'key-unknown', false],
  ])('accepts %s: %s', (_name, given, accepted) => {
    // Act
    const result = secretsEqualAny(given, ['key-current', 'key-previous']);

    // Assess
    expect(result).toBe(accepted);
  });

  it('accepts nothing when no key is configured', () => {
    expect(secretsEqualAny('anything', [])).toBe(false);
  });
});

describe('verifyHexHmac', () => {
  const body = Buffer.from('{"email":"jane\\u0040example.com"}');
  const valid = createHmac('sha256', 'app-secret').update(body).digest('hex');

  it.each([
    ['the lower-case hex digest', valid, true],
    ['the upper-case hex digest', valid.toUpperCase(), true],
    ['another digest', createHmac('sha256', 'other').update(body).digest('hex'), false],
    [
      'a digest of the re-serialised JSON',
      createHmac('sha256', 'app-secret').update('{"email":"jane@example.com"}').digest('hex'),
      false,
    ],
    ['a sha256= prefixed digest (another scheme)', `sha256=${valid}`, false],
    ['a truncated digest', valid.slice(0, 40), false],
    ['base64 instead of hex', Buffer.from(valid, 'hex').toString('base64'), false],
    ['an empty header', '', false],
    ['no header', undefined, false],
  ])('verifies %s', (_name, signature, expected) => {
    // Act
    const result = verifyHexHmac('app-secret', body, signature);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('verifyBase64Hmac', () => {
  it.each([
    ['padded', hmacSha256('k', 'data').toString('base64'), true],
    ['unpadded', hmacSha256('k', 'data').toString('base64').replace(/=+$/, ''), true],
    ['of other data', hmacSha256('k', 'other').toString('base64'), false],
    ['hex instead of base64', hmacSha256('k', 'data').toString('hex'), false],
  ])('verifies a %s signature', (_name, signature, expected) => {
    expect(verifyBase64Hmac('k', 'data', signature)).toBe(expected);
  });
});

describe('standardWebhooksKey', () => {
  it.each([
    [
      'whsec_ secrets as the base64 after the prefix',
      `whsec_${Buffer.from('a-signing-key-of-24-bytes').toString('base64')}`,
      Buffer.from('a-signing-key-of-24-bytes'),
    ],
    [
      'other strings as their UTF-8 bytes',
      'plain-secret-of-24-bytes!',
      Buffer.from('plain-secret-of-24-bytes!'),
    ],
  ])('reads %s', (_name, secret, key) => {
    expect(standardWebhooksKey(secret)).toEqual(key);
  });

  it.each([
    ['whsec_ with nothing after it', 'whsec_'],
    ['whsec_ with text that is not base64', 'whsec_not base64!'],
    ['whsec_ with non-canonical base64', 'whsec_YWJj=='],
    ['a decoded key shorter than 24 bytes', 'whsec_aGVsbG8='],
    ['a plain secret shorter than 24 bytes', 'plain-secret'],
    ['an empty secret', ''],
  ])('counts %s as malformed', (_name, secret) => {
    expect(standardWebhooksKey(secret)).toBeUndefined();
  });
});

describe('verifyStandardWebhook', () => {
  it('verifies the specification’s test vector', () => {
    // Act
    const check = verifyStandardWebhook(specRequest(), [spec.secret], specTime);

    // Assess
    expect(check).toEqual({ ok: true });
  });

  it('signs exactly like the specification', () => {
    expect(signStandardWebhook(spec.secret, spec.id, spec.timestamp, spec.body)).toBe(spec.signature);
  });

  it.each([
    ['one of several signatures (sender-side rotation)', `v1,${'A'.repeat(43)}= ${spec.signature}`],
    ['a v1 signature after an unknown scheme', `v1a,bm90IGEgc2lnbmF0dXJl ${spec.signature}`],
  ])('accepts %s', (_name, signature) => {
    // Act
    const check = verifyStandardWebhook(specRequest({ signature }), [spec.secret], specTime);

    // Assess
    expect(check.ok).toBe(true);
  });

  it('accepts a signature under the second of several secrets (rotation on our side)', () => {
    // Act
    const check = verifyStandardWebhook(specRequest(), ['whsec_bmV3LXNlY3JldA==', spec.secret], specTime);

    // Assess
    expect(check.ok).toBe(true);
  });

  it('uses a secret without the whsec_ prefix as its raw bytes', () => {
    // Prepare
    const signed = `${spec.id}.${spec.timestamp}.${spec.body}`;
    const secret = 'raw-secret-of-at-least-24-bytes';
    const signature = `v1,${createHmac('sha256', secret).update(signed).digest('base64')}`;

    // Act
    const check = verifyStandardWebhook(specRequest({ signature }), [secret], specTime);

    // Assess
    expect(check.ok).toBe(true);
  });

  it.each([
    ['exactly 5 minutes old', -300, true],
    ['5 minutes and 1 second old', -301, false],
    ['an hour old (a replayed capture)', -3600, false],
    ['5 minutes ahead', 300, true],
    ['5 minutes and 1 second ahead', 301, false],
  ])('judges a timestamp %s', (_name, offsetSeconds, ok) => {
    // Prepare
    const now = new Date(specTime.getTime() - offsetSeconds * 1000);

    // Act
    const check = verifyStandardWebhook(specRequest(), [spec.secret], now);

    // Assess
    expect(check.ok).toBe(ok);
    if (!check.ok) expect(check.code).toBe('signature_expired');
  });

  it.each([
    ['a tampered body', { body: '{"test": 2432232315}' }, 'invalid_signature'],
    ['another message id', { id: 'msg_other' }, 'invalid_signature'],
    [
      'a v2 signature only',
      { signature: spec.signature.replace('v1,', 'v2,') },
      'unsupported_signature_scheme',
    ],
    ['a sha256= signature', { signature: 'sha256=abcdef' }, 'unsupported_signature_scheme'],
    ['a non-numeric timestamp', { timestamp: '2021-02-25T15:02:10Z' }, 'signature_timestamp_invalid'],
    ['a missing id', { id: '' }, 'signature_headers_missing'],
    ['a missing signature', { signature: '' }, 'signature_headers_missing'],
  ])('refuses %s', (_name, overrides, code) => {
    // Act
    const check = verifyStandardWebhook(specRequest(overrides), [spec.secret], specTime);

    // Assess
    expect(check).toMatchObject({ ok: false, code });
  });

  it('never verifies under a malformed secret: an empty key would let anyone sign', () => {
    // Prepare
    const signed = `${spec.id}.${spec.timestamp}.${spec.body}`;
    const signature = `v1,${createHmac('sha256', Buffer.alloc(0)).update(signed).digest('base64')}`;

    // Act
    const check = verifyStandardWebhook(specRequest({ signature }), ['whsec_'], specTime);

    // Assess
    expect(check).toMatchObject({ ok: false, code: 'invalid_signature' });
  });

  it('accepts 5 listed signatures and refuses 6 with too_many_signatures', () => {
    // Prepare
    const decoy = `v1,${'A'.repeat(43)}=`;
    const five = [decoy, decoy, decoy, decoy, spec.signature].join(' ');
    const six = [decoy, five].join(' ');

    // Act
    const accepted = verifyStandardWebhook(specRequest({ signature: five }), [spec.secret], specTime);
    const refused = verifyStandardWebhook(specRequest({ signature: six }), [spec.secret], specTime);

    // Assess
    expect(accepted).toEqual({ ok: true });
    expect(refused).toMatchObject({ ok: false, code: 'too_many_signatures' });
  });

  it('refuses a valid signature under a secret that is not configured', () => {
    expect(verifyStandardWebhook(specRequest(), ['whsec_b3RoZXI='], specTime)).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
  });
});

describe('secretValues', () => {
  it('returns the values of the secrets that are set, in order', async () => {
    // Prepare
    const store = secretStore(async () => ({ KEY_A: 'a', KEY_C: 'c' }));

    // Act
    const values = await secretValues(store, ['KEY_A', 'KEY_B', 'KEY_C'], 'acme');

    // Assess
    expect(values).toEqual(['a', 'c']);
  });

  it('answers 503 auth_unavailable when the store cannot be read', async () => {
    // Prepare
    const store = secretStore(async () => {
      throw new Error('Secrets Manager down');
    });

    // Act
    const result = secretValues(store, ['KEY_A'], 'acme');

    // Assess
    await expect(result).rejects.toBeInstanceOf(HttpError);
    await expect(result).rejects.toMatchObject({ status: 503, code: 'auth_unavailable' });
  });
});
