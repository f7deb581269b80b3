import fc from 'fast-check';
import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { leadIdForKey, newLeadId } from '#shared/ids.ts';

/** A ULID: 26 Crockford base-32 characters, the first 0–7 (48-bit time + 80 random bits). */
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

describe('lead ids', () => {
  it('gives every new lead a different ULID', () => {
    // Act
    const ids = Array.from({ length: 10_000 }, () => newLeadId());

    // Assess
    for (const id of ids) expect(id).toMatch(ULID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('writes the time it is given in the id (the sandbox gives its LeadIDs the time they were stored)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (at) => {
        // Act
        const id = newLeadId(at);

        // Assess
        expect(id).toMatch(ULID);
        expect(decodeTime(id)).toBe(at);
      }),
    );
  });

  it('gives a lead with its own key the same id each time it is sent, and another key another id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        // Act
        const first = leadIdForKey(a);

        // Assess
        expect(first).toMatch(ULID);
        expect(leadIdForKey(a)).toBe(first);
        if (a !== b) expect(leadIdForKey(b)).not.toBe(first);
      }),
    );
  });

  it('writes 128 bits of the key hash (pinned: ids already answered must not change)', () => {
    // the first 16 bytes of SHA-256 in Crockford base 32, computed independently (Python's hashlib):
    // SHA-256('') starts e3b0c44298fc1c149afbf4c8996fb924
    expect(leadIdForKey('')).toBe('73P324567W3GA9NYZMS2CPZE94');
    expect(leadIdForKey('partner:acme:key:order-1042')).toBe('1BAWZRJRY8XJMZXPWC8HQ05Z0C');
  });
});
