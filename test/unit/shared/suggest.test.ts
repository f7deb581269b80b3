import { describe, expect, it } from 'vitest';
import { closest, didYouMean, editDistance } from '#shared/suggest.ts';

describe('did you mean', () => {
  it.each([
    ['kitten', 'sitting', 3],
    ['FristName', 'FirstName', 1],
    ['form', 'from', 1],
    ['', 'abc', 3],
    ['same', 'same', 0],
  ])('counts the edits from %j to %j', (a, b, expected) => {
    // Act
    const distance = editDistance(a, b);

    // Assess
    expect(distance).toBe(expected);
  });

  it.each([
    ['lowercase', ['trim', 'lower', 'upper', 'title', 'digits', 'collapse'], 'lower'],
    ['titlecase', ['trim', 'lower', 'upper', 'title', 'digits', 'collapse'], 'title'],
    ['FristName', ['FirstName', 'LastName', 'OrgName'], 'FirstName'],
    ['form', ['from', 'value', 'template', 'transform', 'default'], 'from'],
    ['googleads', ['form', 'partner', 'googleAds', 'meta'], 'googleAds'],
    ['colour', ['channel', 'description', 'lead'], undefined],
    ['x', ['from', 'map'], undefined],
  ])('suggests for %j among %j: %j', (word, valid, expected) => {
    // Act
    const suggestion = closest(word, valid);

    // Assess
    expect(suggestion).toBe(expected);
  });

  it('phrases the suggestion, or says nothing when none is close', () => {
    // Act
    const close = didYouMean('FristName', ['FirstName']);
    const far = didYouMean('colour', ['FirstName']);

    // Assess
    expect(close).toBe(' (did you mean "FirstName"?)');
    expect(far).toBe('');
  });
});
