import { describe, expect, it } from 'vitest';
import {
  httpsOrLoopback,
  isLoopbackUrl,
  isRedirectRefused,
  requireHttpsOrLoopback,
} from '#shared/http/outbound.ts';

/** The outbound-call rules (docs/architecture.md): HTTPS unless the URL is this machine, no redirects. */

describe('httpsOrLoopback', () => {
  it.each([
    ['https anywhere', 'https://api.example.com/v1', true],
    ['plain http on localhost', 'http://localhost:3001', true],
    ['plain http on 127.0.0.1', 'http://127.0.0.1:3001', true],
    ['plain http on any 127/8 address with multi-digit parts', 'http://127.10.200.30:8080', true],
    ['plain http on IPv6 loopback', 'http://[::1]:3001', true],
    ['plain http elsewhere', 'http://api.example.com', false],
    ['plain http on another private address', 'http://10.0.0.1', false],
    ['plain http on a name that starts like loopback', 'http://127.0.0.1.example.com', false],
    ['another scheme on loopback', 'ftp://127.0.0.1', false],
  ])('allows %s: %s → %s', (_case, url, allowed) => {
    // Act
    const result = httpsOrLoopback(new URL(url));

    // Assess
    expect(result).toBe(allowed);
    if (allowed && url.startsWith('http:')) expect(isLoopbackUrl(new URL(url))).toBe(true);
  });
});

describe('requireHttpsOrLoopback', () => {
  it('returns the parsed URL of an allowed one', () => {
    // Act
    const url = requireHttpsOrLoopback('http://127.10.200.30:8080/api', 'Graph URL');

    // Assess
    expect(url.href).toBe('http://127.10.200.30:8080/api');
  });

  it('refuses plain http elsewhere, naming the setting and the origin only', () => {
    // Act
    const refuse = () => requireHttpsOrLoopback('http://api.example.com/path?token=x', 'Graph URL');

    // Assess
    expect(refuse).toThrow(
      new Error('Graph URL must use https (plain http only on loopback): http://api.example.com'),
    );
  });
});

describe('isRedirectRefused', () => {
  const redirect = new Error('unexpected redirect');
  const causedBy = (cause: unknown) => new TypeError('fetch failed', { cause });

  it.each([
    ['the redirect error itself', redirect, true],
    ['a fetch failure caused by it', causedBy(redirect), true],
    ['a cause four levels down', causedBy(causedBy(causedBy(causedBy(redirect)))), true],
    [
      'a cause five levels down (not followed further)',
      causedBy(causedBy(causedBy(causedBy(causedBy(redirect))))),
      false,
    ],
    ['another fetch failure', causedBy(new Error('ECONNREFUSED')), false],
    ['no error', undefined, false],
  ])('answers for %s', (_case, error, expected) => {
    // Act
    const result = isRedirectRefused(error);

    // Assess
    expect(result).toBe(expected);
  });

  it('stops on an error that is its own cause', () => {
    // Prepare
    const looping = new Error('fetch failed');
    (looping as { cause?: unknown }).cause = looping;

    // Act
    const result = isRedirectRefused(looping);

    // Assess
    expect(result).toBe(false);
  });
});
