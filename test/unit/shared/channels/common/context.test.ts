import { describe, expect, it } from 'vitest';
import { clickIdKeys, type RequestFacts, requestContext, utmKeys } from '#shared/channels/common/context.ts';
import type { InputFields } from '#shared/envelope.ts';

const receivedAt = '2025-03-01T10:00:00.000Z';

function facts(overrides: Partial<RequestFacts> = {}): RequestFacts {
  return { sourceId: 'demo-contact', receivedAt, ...overrides };
}

describe('requestContext: request facts', () => {
  it('carries source, receivedAt, ip, userAgent and referer', () => {
    // Prepare
    const request = facts({
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
      referer: 'https://www.example.com/contact',
    });

    // Act
    const context = requestContext(request, {});

    // Assess
    expect(context).toEqual({
      source: 'demo-contact',
      receivedAt,
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
      referer: 'https://www.example.com/contact',
    });
  });

  it('leaves out facts that are missing or empty', () => {
    // Act
    const context = requestContext(facts({ ip: '', userAgent: '', referer: '' }), {});

    // Assess
    expect(context).toEqual({ source: 'demo-contact', receivedAt });
  });

  it.each([
    ['userAgent', 512],
    ['referer', 2048],
  ] as const)('truncates a long %s to %i characters instead of throwing', (key, max) => {
    // Prepare
    const long =
      key === 'referer' ? `https://www.example.com/?q=${'x'.repeat(max * 2)}` : 'U'.repeat(max * 2);

    // Act
    const context = requestContext(facts({ [key]: long }), {});

    // Assess
    expect(context[key]).toBe(long.slice(0, max));
  });
});

describe('requestContext: utm and click ids', () => {
  it('reads every utm_* and click id from the posted fields', () => {
    // Prepare
    const fields: InputFields = {
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'spring-sale',
      utm_term: 'crm',
      utm_content: 'banner',
      gclid: 'g-1',
      fbclid: 'f-1',
      msclkid: 'm-1',
      utm_other: 'ignored',
    };

    // Act
    const context = requestContext(facts(), fields);

    // Assess
    expect(context).toEqual({
      source: 'demo-contact',
      receivedAt,
      'utm.source': 'newsletter',
      'utm.medium': 'email',
      'utm.campaign': 'spring-sale',
      'utm.term': 'crm',
      'utm.content': 'banner',
      'click.gclid': 'g-1',
      'click.fbclid': 'f-1',
      'click.msclkid': 'm-1',
    });
  });

  const names = [
    ...utmKeys.map((key) => ({ param: `utm_${key}`, contextKey: `utm.${key}` })),
    ...clickIdKeys.map((key) => ({ param: key, contextKey: `click.${key}` })),
  ];

  describe.each(names)('$param', ({ param, contextKey }) => {
    const referer = `https://www.example.com/landing?${param}=from-referer&x=1`;

    it('prefers the posted field over the query string and the Referer', () => {
      // Act
      const context = requestContext(facts({ query: { [param]: 'from-query' }, referer }), {
        [param]: 'from-field',
      });

      // Assess
      expect(context[contextKey]).toBe('from-field');
    });

    it('falls back to the query string before the Referer', () => {
      // Act
      const context = requestContext(facts({ query: { [param]: 'from-query' }, referer }), {});

      // Assess
      expect(context[contextKey]).toBe('from-query');
    });

    it("falls back to the Referer's query string last", () => {
      // Act
      const context = requestContext(facts({ referer }), {});

      // Assess
      expect(context[contextKey]).toBe('from-referer');
    });
  });

  it.each([
    ['an empty field', { utm_source: '' }, { utm_source: 'q' }, 'q'],
    ['a blank field', { utm_source: '   ' }, { utm_source: 'q' }, 'q'],
    ['an empty query value', {}, { utm_source: '' }, 'r'],
    ['a list of only empty values', { utm_source: ['', ' '] }, {}, 'r'],
  ])('skips %s', (_what, fields: InputFields, query: Record<string, string>, expected) => {
    // Act
    const context = requestContext(facts({ query, referer: 'https://x.test/?utm_source=r' }), fields);

    // Assess
    expect(context['utm.source']).toBe(expected);
  });

  it('leaves the key out when no place has a value', () => {
    // Act
    const context = requestContext(
      facts({ query: { utm_source: '' }, referer: 'https://x.test/?utm_source=' }),
      {
        utm_source: '',
      },
    );

    // Assess
    expect(context).not.toHaveProperty('utm.source');
  });

  it('takes the first non-empty value of a repeated field, trimmed', () => {
    // Act
    const context = requestContext(facts(), { utm_campaign: ['', '  spring  ', 'autumn'] });

    // Assess
    expect(context['utm.campaign']).toBe('spring');
  });

  it('decodes percent-encoding in the Referer query string', () => {
    // Act
    const context = requestContext(
      facts({ referer: 'https://x.test/p?utm_campaign=Fr%C3%BChling+2025' }),
      {},
    );

    // Assess
    expect(context['utm.campaign']).toBe('Frühling 2025');
  });

  it('truncates a long value to 512 characters instead of throwing', () => {
    // Act
    const context = requestContext(facts(), { utm_campaign: 'c'.repeat(5000) });

    // Assess
    expect(context['utm.campaign']).toBe('c'.repeat(512));
  });

  it('truncates a long value without splitting a character in two', () => {
    // Prepare: 601 UTF-16 code units; the 512th is the first half of a surrogate pair
    const value = `a${'😀'.repeat(300)}`;

    // Act
    const context = requestContext(facts(), { utm_campaign: value });

    // Assess
    const campaign = context['utm.campaign'] ?? '';
    expect(campaign.length).toBeLessThanOrEqual(512);
    expect(campaign.isWellFormed()).toBe(true);
  });

  it.each([['not a url?utm_source=x'], ['/relative/path?utm_source=x'], ['http://']])(
    'ignores the query of a Referer that is not a URL: %j',
    (referer) => {
      // Act
      const context = requestContext(facts({ referer }), {});

      // Assess
      expect(context).not.toHaveProperty('utm.source');
    },
  );

  it('ignores inherited names: a field must be an own property', () => {
    // Prepare
    const fields = Object.create({ utm_source: 'inherited' }) as InputFields;

    // Act
    const context = requestContext(facts({ query: { utm_source: 'q' } }), fields);

    // Assess
    expect(context['utm.source']).toBe('q');
  });
});
