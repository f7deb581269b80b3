import { createHmac, timingSafeEqual } from 'node:crypto';

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * Lower-case hex HMAC-SHA256 of `data` (raw bytes or a string, UTF-8) under `key`.
 *
 * @example
 * hmacSha256Hex('app-secret', Buffer.from('{"object":"page"}')); // '5f2c…' (64 hex digits)
 */
export function hmacSha256Hex(key: string, data: Buffer | string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/**
 * Whether `givenHex` is the hex HMAC-SHA256 of `data` under `key`, compared in constant time. A value
 * that is not exactly 64 hex digits (either case) never matches; nothing about the key leaks.
 *
 * @example
 * hexHmacSha256Matches('app-secret', rawBody, 'a3f1…'); // true | false
 */
export function hexHmacSha256Matches(key: string, data: Buffer | string, givenHex: string): boolean {
  if (!SHA256_HEX.test(givenHex)) return false;
  const expected = createHmac('sha256', key).update(data).digest();
  return timingSafeEqual(expected, Buffer.from(givenHex, 'hex'));
}

/**
 * Compares two strings (tokens, challenge answers) in constant time for equal lengths. A length
 * difference answers false at once: it reveals only the length, never the content.
 *
 * @example
 * constantTimeEquals(request.query['hub.verify_token'] ?? '', verifyToken);
 */
export function constantTimeEquals(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
