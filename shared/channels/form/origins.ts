/**
 * Origin checks for website forms: `allowedOrigins` lists exact origins, `*` for any, or patterns in
 * which `*` stands for one DNS label or a port (`https://*.example.com`, `http://localhost:*`).
 *
 * @example
 * const allowed = originMatcher(['https://www.example.com']);
 * allowed('https://www.example.com'); // true
 */
export function originMatcher(allowedOrigins: readonly string[]): (origin: string) => boolean {
  if (allowedOrigins.includes('*')) return () => true;
  const patterns = allowedOrigins.map(
    (allowed) =>
      new RegExp(
        `^${allowed
          .toLowerCase()
          .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
          .replaceAll('*', '[a-z0-9-]+')}$`,
      ),
  );
  return (origin) => {
    const normalised = origin.toLowerCase();
    return patterns.some((pattern) => pattern.test(normalised));
  };
}

/** The origin (`scheme://host[:port]`) of a URL such as a Referer, or undefined when it is not a URL. */
export function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.origin === 'null' ? undefined : parsed.origin;
  } catch {
    return undefined;
  }
}
