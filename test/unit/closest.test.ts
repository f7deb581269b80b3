import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '#shared/closest.ts';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['Lead sorce', 'Lead source', 1],
    ['flaw', 'lawn', 2],
    ['same', 'same', 0],
  ])('%j → %j is %i', (a, b, distance) => {
    // Act
    const result = editDistance(a, b);

    // Assess
    expect(result).toBe(distance);
  });

  it('is a metric: symmetric, zero only for equal strings, within the triangle inequality', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 12 }),
        fc.string({ maxLength: 12 }),
        fc.string({ maxLength: 12 }),
        (a, b, c) => {
          // Act
          const ab = editDistance(a, b);

          // Assess
          expect(editDistance(b, a)).toBe(ab);
          expect(ab === 0).toBe(a === b);
          expect(ab).toBeLessThanOrEqual(editDistance(a, c) + editDistance(c, b));
          expect(ab).toBeLessThanOrEqual(Math.max(a.length, b.length));
        },
      ),
    );
  });

  it('with a limit, answers the exact distance up to it and limit + 1 beyond', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), fc.nat(6), (a, b, limit) => {
        // Act
        const exact = editDistance(a, b);
        const limited = editDistance(a, b, limit);

        // Assess
        expect(limited).toBe(exact <= limit ? exact : limit + 1);
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
