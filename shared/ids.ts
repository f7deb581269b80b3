import { createHash, randomFillSync } from 'node:crypto';
import { ulid } from 'ulid';

/**
 * Lead ids: ULIDs whose random part is drawn from a pooled buffer of cryptographic randomness.
 * `ulid()` without a PRNG re-detects one on every call and asks `crypto.getRandomValues` for one
 * byte per character (16 calls per id), which was a third of capture's CPU time.
 */
const pool = new Uint8Array(4096);
let offset = pool.length;
const prng = (): number => {
  if (offset >= pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return (pool[offset++] as number) / 256;
};

/**
 * A new ULID from the pooled randomness; its time part is `at` (milliseconds since the epoch), now by
 * default.
 *
 * @example
 * newLeadId(); // '01JDQ4Z9V2N8K7M3X5R6T1W0YB'
 */
export function newLeadId(at?: number): string {
  return ulid(at, prng);
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The lead id of a lead that carries its sender's own key (an `Idempotency-Key`, a partner's or an
 * ad network's lead id): 128 bits of SHA-256 of its dedupe key, written as a ULID (26 Crockford
 * base-32 characters), so every resend of the same lead is answered with the same id as the first.
 * Unlike `newLeadId`, its time part says nothing about when the lead arrived (`receivedAt` does).
 *
 * @example
 * leadIdForKey('partner:acme:key:order-1042') === leadIdForKey('partner:acme:key:order-1042'); // true
 */
export function leadIdForKey(dedupeKey: string): string {
  const digest = createHash('sha256').update(dedupeKey).digest();
  // 26 characters of 5 bits = 130 bits: the first two are zero, so the first character is 0–7 (a
  // valid ULID never starts higher)
  let bits = 0n;
  for (let index = 0; index < 16; index++) bits = (bits << 8n) | BigInt(digest[index] as number);
  let id = '';
  for (let index = 25; index >= 0; index--) {
    id = CROCKFORD[Number(bits & 31n)] + id;
    bits >>= 5n;
  }
  return id;
}
