import { describe, expect, it } from 'vitest';
import { withErrorCode } from '#shared/channels/form/channel.ts';

describe('withErrorCode', () => {
  it.each([
    ['https://www.example.com/contact', 'https://www.example.com/contact?error=origin_not_allowed'],
    ['https://www.example.com', 'https://www.example.com/?error=origin_not_allowed'],
    ['http://127.0.0.1:3000/form', 'http://127.0.0.1:3000/form?error=origin_not_allowed'],
    ['/contact', '/contact?error=origin_not_allowed'],
    ['/', '/?error=origin_not_allowed'],
  ])('adds the error code to %j', (url, expected) => {
    // Act
    const result = withErrorCode(url, 'origin_not_allowed');

    // Assess
    expect(result).toBe(expected);
  });

  it.each([
    ['https://www.example.com/contact?error=1', 'https://www.example.com/contact?error=missing_fields'],
    ['/?error=1', '/?error=missing_fields'],
    ['/contact?error=1&error=2', '/contact?error=missing_fields'],
  ])('replaces an existing error parameter in %j', (url, expected) => {
    // Act
    const result = withErrorCode(url, 'missing_fields');

    // Assess
    expect(result).toBe(expected);
  });

  it.each([
    ['https://www.example.com/contact?lang=de&error=1&ref=ad#form', 'https://www.example.com'],
    ['/contact?lang=de&error=1&ref=ad#form', ''],
  ])('keeps other parameters and the hash of %j', (url, origin) => {
    // Act
    const result = withErrorCode(url, 'captcha_failed');

    // Assess
    expect(result).toBe(`${origin}/contact?lang=de&error=captcha_failed&ref=ad#form`);
  });

  it('keeps a relative URL relative', () => {
    // Act
    const result = withErrorCode('/thanks/../contact?x=1', 'bad');

    // Assess
    expect(result.startsWith('/')).toBe(true);
    expect(result).not.toContain('relative.invalid');
  });

  it('keeps percent-encoded parameters readable', () => {
    // Act
    const result = withErrorCode('/kontakt?name=Zo%C3%AB', 'bad');

    // Assess
    const params = new URL(result, 'http://x.test').searchParams;
    expect(params.get('name')).toBe('Zoë');
    expect(params.get('error')).toBe('bad');
  });

  it('encodes the code', () => {
    // Act
    const result = withErrorCode('/contact', 'a&b=c');

    // Assess
    expect(new URL(result, 'http://x.test').searchParams.get('error')).toBe('a&b=c');
  });

  it('keeps the host of a protocol-relative URL', () => {
    // Act
    const result = withErrorCode('//www.example.com/contact', 'bad');

    // Assess
    expect(result).toBe('//www.example.com/contact?error=bad');
  });
});
