/**
 * Every route of leadgate's HTTP contract, in one list. The CDK stack creates exactly these HTTP API
 * routes and the one-machine adapter matches requests against them, so `event.routeKey` and
 * `event.pathParameters` are the same on AWS and locally.
 *
 * @example
 * const match = matchRoute('POST', '/v1/forms/demo-contact'); // { routeKey: 'POST /v1/forms/{sourceId}', ... }
 */
export const routes = [
  { method: 'GET', path: '/health' },
  { method: 'GET', path: '/leadgate.js' },
  { method: 'POST', path: '/v1/forms/{sourceId}' },
  { method: 'OPTIONS', path: '/v1/forms/{sourceId}' },
  { method: 'POST', path: '/v1/partners/{sourceId}/leads' },
  { method: 'POST', path: '/v1/webhooks/google-ads/{sourceId}' },
  { method: 'GET', path: '/v1/webhooks/meta' },
  { method: 'POST', path: '/v1/webhooks/meta' },
  { method: 'GET', path: '/v1/webhooks/linkedin' },
  { method: 'POST', path: '/v1/webhooks/linkedin' },
  { method: 'POST', path: '/v1/webhooks/tiktok' },
] as const;

export type Route = (typeof routes)[number];
export type RouteKey = `${Route['method']} ${Route['path']}`;

export interface RouteMatch {
  routeKey: RouteKey;
  pathParameters: Record<string, string>;
}

const compiled = routes.map((route) => {
  const names: string[] = [];
  const pattern = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, names, regex: new RegExp(`^${pattern}$`) };
});

/** Finds the route a request belongs to, as API Gateway would; `undefined` when none matches. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  for (const { route, names, regex } of compiled) {
    if (route.method !== method.toUpperCase()) continue;
    const found = regex.exec(path);
    if (!found) continue;
    const pathParameters: Record<string, string> = {};
    names.forEach((name, index) => {
      pathParameters[name] = safeDecode(found[index + 1] ?? '');
    });
    return { routeKey: `${route.method} ${route.path}` as RouteKey, pathParameters };
  }
  return undefined;
}

/** Whether any route exists for this path under another method (405 rather than 404). */
export function pathHasRoute(path: string): boolean {
  return compiled.some(({ regex }) => regex.test(path));
}

/** Percent-decodes a path segment; a broken escape stays as it was sent (it then names no source). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
