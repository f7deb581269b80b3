import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '#shared/suggest.ts';

describe('editDistance', () => {
  it('is symmetric, zero only for equal strings, and at most the longer length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        // Act
        const ab = editDistance(a, b);

        // Assess
        expect(editDistance(b, a)).toBe(ab);
        expect(ab === 0).toBe(a === b);
        expect(ab).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });
});

describe('closestName', () => {
  const known = ['Lead source', 'UTM campaign', 'UTM source', 'GCLID', 'Job title'];

  it.each([
    ['Lead sorce', 'Lead source'],
    ['lead  source', 'Lead source'],
    [' LEAD SOURCE ', 'Lead source'],
    ['UTM campain', 'UTM campaign'],
    ['GCLD', 'GCLID'],
    ['Job titel', 'Job title'],
  ])('suggests %j → %j', (typed, expected) => {
    // Act
    const result = closestName(typed, known);

    // Assess
    expect(result).toBe(expected);
  });

  it.each([['Budget'], ['Shoe size'], ['X'], ['']])(
    'suggests nothing for %j (no name is that close)',
    (typed) => {
      // Act
      const result = closestName(typed, known);

      // Assess
      expect(result).toBeUndefined();
    },
  );

  it('prefers the nearer name, then the earlier one', () => {
    // Act
    const nearer = closestName('UTM sourc', ['UTM sources', 'UTM source']);
    const tie = closestName('ab', ['ac', 'ad']);

    // Assess
    expect(nearer).toBe('UTM source');
    expect(tie).toBe('ac');
  });
});
