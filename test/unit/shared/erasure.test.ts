import { describe, expect, it } from 'vitest';
import { envelopeMatches, erasureSubject, isEmailLike, isPhoneLike, stringsOf } from '#shared/erasure.ts';

// Who is to be forgotten, and which leads hold their data (GDPR erasure: `leadgate erase`).

describe('erasureSubject and envelopeMatches', () => {
  it('matches an address whatever its case and spacing, and only whole values', () => {
    // Prepare
    const subject = erasureSubject({ emails: [' Ana@Example.com ', '  '] });

    // Act
    const matches = [
      envelopeMatches(subject, { fields: { email: 'ana@example.com' } }),
      envelopeMatches(subject, { fields: { email: 'hana@example.com' } }),
      envelopeMatches(subject, { fields: { contact: ['x', 'ANA@EXAMPLE.COM'] } }),
    ];

    // Assess
    expect(subject.emails).toEqual(new Set(['ana@example.com']));
    expect(matches).toEqual([true, false, true]);
  });

  it('matches a phone number whatever its formatting, ignoring numbers too short to be safe', () => {
    // Prepare
    const subject = erasureSubject({ phones: ['+34 600 11 22 33', '0034 600 44 55 66', '112'] });

    // Act
    const matches = [
      envelopeMatches(subject, { fields: { phone: '34600112233' } }),
      envelopeMatches(subject, { fields: { phone: '+34-600-445-566' } }),
      envelopeMatches(subject, { fields: { phone: '112' } }),
    ];

    // Assess
    expect(subject.phones).toEqual(new Set(['34600112233', '34600445566']));
    expect(matches).toEqual([true, true, false]);
  });

  it('matches nothing for a subject given nothing usable', () => {
    // Prepare
    const subject = erasureSubject({});

    // Act
    const matched = envelopeMatches(subject, { fields: { email: 'ana@example.com', phone: '34600112233' } });

    // Assess
    expect(matched).toBe(false);
  });
});

describe('stringsOf', () => {
  it('yields every string inside nested lists and objects, skipping other values', () => {
    // Act
    const strings = [...stringsOf({ a: 'x', b: [1, 'y', null, { c: 'z', d: true }] })];

    // Assess
    expect(strings).toEqual(['x', 'y', 'z']);
  });
});

describe('what erase accepts on its command line', () => {
  it.each([
    ['ana@example.com', true],
    [' ana@example.com ', true],
    ['ana example.com', false],
    ['@', false],
  ])('%j is an address: %s', (value, expected) => {
    expect(isEmailLike(value)).toBe(expected);
  });

  it.each([
    ['+34 600 11 22 33', true],
    ['123-45', false],
  ])('%j is a phone number: %s', (value, expected) => {
    expect(isPhoneLike(value)).toBe(expected);
  });
});
