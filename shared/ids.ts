import { randomFillSync } from 'node:crypto';
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

export function newLeadId(): string {
  return ulid(undefined, prng);
}
