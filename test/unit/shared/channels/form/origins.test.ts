import { describe, expect, it } from 'vitest';
import { originMatcher, originOf } from '#shared/channels/form/origins.ts';

describe('originMatcher', () => {
  describe.each([
    {
      allowed: ['https://www.example.com'],
      matches: ['https://www.example.com', 'HTTPS://WWW.EXAMPLE.COM', 'https://WWW.Example.com'],
      rejects: [
        'http://www.example.com',
        'https://example.com',
        'https://www.example.com:8443',
        'https://www.example.com.evil.test',
        'https://evil-www.example.com',
        'https://wwwxexample.com',
        'https://www.example.co',
        'xhttps://www.example.com',
        'null',
        '',
      ],
    },
    {
      allowed: ['HTTPS://Shop.Example.COM'],
      matches: ['https://shop.example.com'],
      rejects: ['https://www.example.com'],
    },
    {
      allowed: ['https://*.example.com'],
      matches: ['https://www.example.com', 'https://shop-2.example.com', 'https://EU.example.com'],
      rejects: [
        'https://example.com',
        'https://.example.com',
        'https://a.b.example.com',
        'https://evil.com.example.com.attacker.test',
        'https://www.example.com.evil.test',
        'https://wwwexample.com',
        'http://www.example.com',
        'https://www.example.com:443x',
        'https://www_x.example.com',
      ],
    },
    {
      allowed: ['http://localhost:*'],
      matches: ['http://localhost:3000', 'http://localhost:8080', 'http://LOCALHOST:5173'],
      rejects: [
        'http://localhost',
        'https://localhost:3000',
        'http://localhost.evil.test:3000',
        'http://evil.test:3000',
        'http://127.0.0.1:3000',
        'http://localhost:3000.evil.test',
      ],
    },
    {
      allowed: ['https://www.example.com', 'http://127.0.0.1:*'],
      matches: ['https://www.example.com', 'http://127.0.0.1:3000'],
      rejects: ['http://127.0.0.2:3000', 'http://127x0x0x1:3000', 'https://www.example.org'],
    },
  ])('$allowed', ({ allowed, matches, rejects }) => {
    it.each(matches)('allows %j', (origin) => {
      // Prepare
      const isAllowed = originMatcher(allowed);

      // Act
      const result = isAllowed(origin);

      // Assess
      expect(result).toBe(true);
    });

    it.each(rejects)('refuses %j', (origin) => {
      // Prepare
      const isAllowed = originMatcher(allowed);

      // Act
      const result = isAllowed(origin);

      // Assess
      expect(result).toBe(false);
    });
  });

  it.each(['https://anything.test', 'null', 'http://localhost:1'])('allows %j with *', (origin) => {
    // Prepare
    const isAllowed = originMatcher(['https://www.example.com', '*']);

    // Act
    const result = isAllowed(origin);

    // Assess
    expect(result).toBe(true);
  });

  it('allows nothing with an empty list', () => {
    // Act
    const result = originMatcher([])('https://www.example.com');

    // Assess
    expect(result).toBe(false);
  });

  it('treats regex characters in an allowed origin literally', () => {
    // Prepare
    const isAllowed = originMatcher(['https://a+b.example.com']);

    // Act
    const results = [isAllowed('https://a+b.example.com'), isAllowed('https://aab.example.com')];

    // Assess
    expect(results).toEqual([true, false]);
  });
});

describe('originOf', () => {
  it.each([
    ['https://www.example.com/contact?utm_source=ads#form', 'https://www.example.com'],
    ['https://www.example.com:8443/a/b?c=d', 'https://www.example.com:8443'],
    ['https://www.example.com:443/', 'https://www.example.com'],
    ['HTTP://LOCALHOST:3000/index.html', 'http://localhost:3000'],
    ['https://user:pass@www.example.com/x', 'https://www.example.com'],
  ])('gives the origin of %j', (url, expected) => {
    // Act
    const origin = originOf(url);

    // Assess
    expect(origin).toBe(expected);
  });

  it.each([
    ['not a url'],
    ['/contact?x=1'],
    [''],
    [undefined],
    ['data:text/html,hello'],
    ['file:///etc/passwd'],
  ])('is undefined for %j', (url) => {
    // Act
    const origin = originOf(url);

    // Assess
    expect(origin).toBeUndefined();
  });
});
