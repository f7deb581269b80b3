import { createHmac, createSecretKey, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { HttpError } from '#shared/http/errors.ts';
import type { SecretStore } from '#shared/security/secrets.ts';
import { count, logger } from '#shared/telemetry.ts';

/**
 * Constant-time secret and signature checks shared by the channels. Every comparison runs
 * `timingSafeEqual` on two buffers of the same, fixed length (a digest), so neither the content nor
 * the length of a secret leaks through timing.
 */

type Bytes = Buffer | string;

/** A per-process key: secrets are compared through HMACs under it, never directly. */
const comparisonKey = createSecretKey(randomBytes(32));

/**
 * HMAC-SHA256 of `data` under `key` (strings as UTF-8).
 *
 * @example
 * hmacSha256('app-secret', rawBody).toString('hex');
 */
export function hmacSha256(key: Bytes | KeyObject, data: Bytes | Bytes[]): Buffer {
  const hmac = createHmac('sha256', key);
  for (const part of Array.isArray(data) ? data : [data]) hmac.update(part);
  return hmac.digest();
}

/**
 * Lower-case hex HMAC-SHA256 of `data` under `key`: what signers (the CLI's send-test, the local fakes,
 * LinkedIn's challenge answer, Graph's `appsecret_proof`) send.
 *
 * @example
 * hmacSha256Hex('app-secret', Buffer.from('{"object":"page"}')); // '5f2c…' (64 hex digits)
 */
export function hmacSha256Hex(key: Bytes | KeyObject, data: Bytes | Bytes[]): string {
  return hmacSha256(key, data).toString('hex');
}

/**
 * Compares two secrets (an API key, Google's `google_key`) in constant time, whatever their lengths:
 * both sides are HMAC'd under a random per-process key and the 32-byte digests are compared.
 *
 * @example
 * if (!secretsEqual(body.google_key, expectedKey)) throw forbidden();
 */
export function secretsEqual(given: Bytes, expected: Bytes): boolean {
  return timingSafeEqual(hmacSha256(comparisonKey, given), hmacSha256(comparisonKey, expected));
}

/**
 * Whether `given` equals one of `expected` (key rotation), in constant time: every candidate is
 * compared, so the time does not tell which one matched, or whether any did.
 *
 * @example
 * secretsEqualAny(request.headers['x-api-key'], [currentKey, previousKey]);
 */
export function secretsEqualAny(given: Bytes, expected: readonly Bytes[]): boolean {
  const digest = hmacSha256(comparisonKey, given);
  let matched = false;
  for (const candidate of expected) {
    matched = timingSafeEqual(digest, hmacSha256(comparisonKey, candidate)) || matched;
  }
  return matched;
}

const hexDigest = /^[0-9a-fA-F]{64}$/;
const base64Digest = /^[A-Za-z0-9+/]{43}=?$/;

/**
 * Whether `signature` is the lower- or upper-case hex HMAC-SHA256 of `data` under `key`. A value that
 * is not 64 hex digits is refused before any comparison (a digest's length is public).
 *
 * @example
 * verifyHexHmac(appSecret, request.body, request.headers['x-signature']);
 */
export function verifyHexHmac(key: Bytes, data: Bytes | Bytes[], signature: string | undefined): boolean {
  if (signature === undefined || !hexDigest.test(signature)) return false;
  return timingSafeEqual(hmacSha256(key, data), Buffer.from(signature, 'hex'));
}

/**
 * Whether `signature` is the base64 HMAC-SHA256 of `data` under `key` (padded or not).
 *
 * @example
 * verifyBase64Hmac(key, [id, '.', timestamp, '.', body], 'g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
 */
export function verifyBase64Hmac(key: Bytes, data: Bytes | Bytes[], signature: string | undefined): boolean {
  if (signature === undefined || !base64Digest.test(signature)) return false;
  return timingSafeEqual(hmacSha256(key, data), Buffer.from(signature, 'base64'));
}

/** How far a Standard Webhooks timestamp may be from our clock: ±5 minutes. */
export const STANDARD_WEBHOOKS_TOLERANCE_SECONDS = 5 * 60;

/**
 * Most signatures one `webhook-signature` header may list. The spec allows several (key rotation);
 * a sender rotating needs two or three, and a cap keeps a header of hundreds of candidates from
 * costing hundreds of comparisons.
 */
export const MAX_STANDARD_WEBHOOK_SIGNATURES = 5;

/** Shortest signing key accepted (the spec's own secrets are 24 bytes or more: https://www.standardwebhooks.com/). */
export const MIN_STANDARD_WEBHOOK_KEY_BYTES = 24;

export interface StandardWebhookRequest {
  /** `webhook-id` header. */
  id: string | undefined;
  /** `webhook-timestamp` header: seconds since the epoch. */
  timestamp: string | undefined;
  /** `webhook-signature` header: space-separated `v1,<base64>` signatures. */
  signature: string | undefined;
  /** The raw request body. */
  body: Buffer;
}

export type StandardWebhookCheck =
  | { ok: true }
  | {
      ok: false;
      /** `signature_headers_missing`, `signature_timestamp_invalid`, `signature_expired`,
       * `too_many_signatures`, `unsupported_signature_scheme` or `invalid_signature`. */
      code: string;
      message: string;
    };

/**
 * The signing key of a Standard Webhooks secret, or `undefined` when the secret is malformed (and so
 * must count as not configured). `whsec_<base64>` is the base64 after the prefix (as the spec and its
 * libraries generate them); any other string is used as its UTF-8 bytes. Malformed: `whsec_` with
 * nothing or with text that is not canonical base64, and any key shorter than 24 bytes (an empty or
 * short key would let anyone, or anyone patient, sign).
 *
 * @example
 * standardWebhooksKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'); // the 24 decoded bytes
 * standardWebhooksKey('whsec_'); // undefined
 */
export function standardWebhooksKey(secret: string): Buffer | undefined {
  const key = secretBytes(secret);
  return key !== undefined && key.length >= MIN_STANDARD_WEBHOOK_KEY_BYTES ? key : undefined;
}

function secretBytes(secret: string): Buffer | undefined {
  if (!secret.startsWith('whsec_')) return Buffer.from(secret, 'utf8');
  const text = secret.slice('whsec_'.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const key = Buffer.from(text, 'base64');
  // canonical base64 only: whatever Buffer silently skips or pads would be a different secret
  return key.toString('base64').replace(/=+$/, '') === text.replace(/=+$/, '') ? key : undefined;
}

/**
 * Verifies a Standard Webhooks signature (https://www.standardwebhooks.com/, the `standardwebhooks`
 * reference implementation computes it): the signed content is `<webhook-id>.<webhook-timestamp>.<raw
 * body>`, signed with HMAC-SHA256 and sent base64 as `v1,<signature>`; the header may list several
 * (space-separated, at most 5) and one valid `v1` signature under any of `keys` is enough (rotation).
 * Each key's signature is computed once, whatever the number of candidates, and every candidate is
 * compared with it in constant time. Timestamps more than ±5 minutes from `now` are refused, which
 * stops the replay of a captured request; replays inside the window are caught by idempotency (the
 * partner channel dedupes signed requests on `webhook-id`). Malformed secrets (`standardWebhooksKey`
 * answers undefined) never verify anything: callers refuse with 503 when no secret is well-formed.
 *
 * (The library's own `verify` reads the machine clock; leadgate checks the timestamp against its
 * injected clock, then lets the library sign and compares.)
 *
 * @example
 * const check = verifyStandardWebhook(
 *   {
 *     id: headers['webhook-id'],
 *     timestamp: headers['webhook-timestamp'],
 *     signature: headers['webhook-signature'],
 *     body,
 *   },
 *   ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
 *   new Date(),
 * );
 * if (!check.ok) throw new HttpError(401, check.code, check.message);
 */
export function verifyStandardWebhook(
  request: StandardWebhookRequest,
  secrets: readonly string[],
  now: Date,
  toleranceSeconds = STANDARD_WEBHOOKS_TOLERANCE_SECONDS,
): StandardWebhookCheck {
  const { id, timestamp, signature, body } = request;
  if (!id || !timestamp || !signature) {
    return {
      ok: false,
      code: 'signature_headers_missing',
      message: 'A signed request needs the webhook-id, webhook-timestamp and webhook-signature headers.',
    };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return {
      ok: false,
      code: 'signature_timestamp_invalid',
      message: 'webhook-timestamp must be the signing time in whole seconds since the Unix epoch.',
    };
  }
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (skew > toleranceSeconds) {
    return {
      ok: false,
      code: 'signature_expired',
      message: `webhook-timestamp is more than ${toleranceSeconds / 60} minutes away from the current time.`,
    };
  }
  const listed = signature.split(' ').filter((item) => item !== '');
  if (listed.length > MAX_STANDARD_WEBHOOK_SIGNATURES) {
    return {
      ok: false,
      code: 'too_many_signatures',
      message: `webhook-signature may list at most ${MAX_STANDARD_WEBHOOK_SIGNATURES} signatures.`,
    };
  }
  const candidates = listed.filter((item) => item.startsWith('v1,'));
  if (candidates.length === 0) {
    return {
      ok: false,
      code: 'unsupported_signature_scheme',
      message: 'webhook-signature carries no v1 signature (expected "v1,<base64 HMAC-SHA256>").',
    };
  }
  const signedAt = new Date(Number(timestamp) * 1000);
  const keys = secrets.map(standardWebhooksKey).filter((key): key is Buffer => key !== undefined);
  let valid = false;
  for (const key of keys) {
    const expected = hmacSha256(comparisonKey, new Webhook(key, { format: 'raw' }).sign(id, signedAt, body));
    for (const candidate of candidates) {
      valid = timingSafeEqual(expected, hmacSha256(comparisonKey, candidate)) || valid;
    }
  }
  return valid
    ? { ok: true }
    : { ok: false, code: 'invalid_signature', message: 'webhook-signature does not match the request.' };
}

/**
 * Signs a request the Standard Webhooks way (with the `standardwebhooks` reference implementation);
 * the header value for `webhook-signature`. For tests, docs and partners' reference code; the secret
 * is read as `standardWebhooksKey` reads it, without the length rule (tests sign with short keys to
 * show they are refused).
 *
 * @example
 * signStandardWebhook(
 *   'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
 *   'msg_p5jXN8AQM9LWM0D4loKWxJek',
 *   '1614265330',
 *   '{"test": 2432232314}',
 * ); // 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' (the spec's test vector)
 */
export function signStandardWebhook(secret: string, id: string, timestamp: string, body: Bytes): string {
  const key = secretBytes(secret) ?? Buffer.from(secret.slice('whsec_'.length), 'base64');
  const payload = typeof body === 'string' ? body : new Uint8Array(body.buffer, body.byteOffset, body.length);
  return new Webhook(key, { format: 'raw' }).sign(id, new Date(Number(timestamp) * 1000), payload);
}

/**
 * Reads the values of the named secrets (API keys, signing secrets). Names that are not set are
 * skipped and logged by NAME (never a value); a store that cannot be read (Secrets Manager down)
 * throws `503 auth_unavailable`, so the sender retries instead of hearing that its key is wrong.
 *
 * @example
 * const keys = await secretValues(deps.secrets, source.partner?.apiKeys ?? [], source.id);
 */
export async function secretValues(
  store: SecretStore,
  names: readonly string[],
  sourceId: string,
): Promise<string[]> {
  const values = await readSecrets(store, names, { sourceId });
  names.forEach((name, index) => {
    if (values[index] === undefined) logger.error('secret not set', { sourceId, secret: name });
  });
  return values.filter((value): value is string => value !== undefined);
}

/**
 * A gateway secret (app secret, verify token, client secret), or a 503 `HttpError` (so the sender
 * retries) when it is unset or the secret store is unreachable; an unset one counts
 * `<channel>_not_configured`. Logs the secret's name, never its value.
 *
 * @example
 * const appSecret = await gatewaySecret(deps.secrets, META_APP_SECRET, 'meta');
 */
export async function gatewaySecret(secrets: SecretStore, name: string, channel: string): Promise<string> {
  const [value] = await readSecrets(secrets, [name], { channel, secret: name });
  if (value === undefined || value === '') {
    count(`${channel}_not_configured`);
    logger.error(`secret ${name} is not set: ${channel} webhooks are refused with 503`, { channel });
    throw authUnavailable();
  }
  return value;
}

/** The one secret read of the channels: values by name, or `503 auth_unavailable` when the store fails. */
async function readSecrets(
  store: SecretStore,
  names: readonly string[],
  logFields: Record<string, string>,
): Promise<(string | undefined)[]> {
  try {
    return await Promise.all(names.map((name) => store.get(name)));
  } catch (error) {
    logger.error('secrets unavailable: request refused with 503', {
      ...logFields,
      error: error instanceof Error ? error.name : 'unknown',
    });
    throw authUnavailable();
  }
}

/** `503 auth_unavailable`: the credentials to check a request against cannot be read right now. */
export const authUnavailable = () =>
  new HttpError(503, 'auth_unavailable', 'The request cannot be authenticated right now. Please retry.', {
    headers: { 'retry-after': '30' },
  });
