/**
 * Rules every outbound call of leadgate follows (Onpipeline, Graph, LinkedIn, CAPTCHA providers):
 * HTTPS unless the URL is this machine, and no redirect followed (`redirect: 'error'`).
 */

/**
 * Whether a URL points at this machine (the only place plain HTTP is allowed).
 *
 * @example
 * isLoopbackUrl(new URL('http://127.0.0.1:3001')); // true
 */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Whether a URL may be called: `https:`, or plain `http:` on loopback.
 *
 * @example
 * httpsOrLoopback(new URL('http://api.example.com')); // false
 */
export function httpsOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url));
}

/**
 * Parses a service's base URL and refuses one that is neither HTTPS nor loopback (at start).
 *
 * @example
 * const base = requireHttpsOrLoopback(options.graphUrl, 'Graph URL');
 */
export function requireHttpsOrLoopback(value: string, what: string): URL {
  const url = new URL(value);
  if (!httpsOrLoopback(url)) {
    throw new Error(`${what} must use https (plain http only on loopback): ${url.origin}`);
  }
  return url;
}

/**
 * Whether `fetch` failed because the answer was a redirect (`redirect: 'error'`, as every outbound
 * call of leadgate sets it): undici throws `TypeError('fetch failed')` caused by "unexpected redirect".
 *
 * @example
 * if (isRedirectRefused(error)) return redirectRefused('Graph');
 */
export function isRedirectRefused(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof Error && /unexpected redirect/i.test(current.message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
