import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { authHeaders, authMode } from '#test/support/fuzz/auth.ts';
import { fuzzBody } from '#test/support/fuzz/bodies.ts';
import { FORM_ORIGIN, fuzzSecrets, fuzzSourceFiles } from '#test/support/fuzz/sources.ts';
import { prototypeKeys, rarely, text } from '#test/support/fuzz/text.ts';

/**
 * Requests to every route of the HTTP contract, as API Gateway events: a fuzzed body, headers, query
 * and authentication per route.
 */

export type RouteName =
  | 'health'
  | 'form'
  | 'form-preflight'
  | 'partner'
  | 'google-ads'
  | 'meta-verify'
  | 'meta'
  | 'linkedin-verify'
  | 'linkedin'
  | 'tiktok'
  | 'unknown';

interface RouteSpec {
  method: string;
  routeKey: string;
  /** Sources of this route's channel; undefined for routes without `{sourceId}`. */
  sourceIds?: readonly string[];
  path(sourceId: string): string;
}

/** Every route of the HTTP contract (docs/architecture.md, shared/http/routes.ts), as API Gateway names them. */
export const contractRoutes: Record<Exclude<RouteName, 'unknown'>, RouteSpec> = {
  health: { method: 'GET', routeKey: 'GET /health', path: () => '/health' },
  form: {
    method: 'POST',
    routeKey: 'POST /v1/forms/{sourceId}',
    sourceIds: ['fz-form', 'fz-form-open'],
    path: (id) => `/v1/forms/${id}`,
  },
  'form-preflight': {
    method: 'OPTIONS',
    routeKey: 'OPTIONS /v1/forms/{sourceId}',
    sourceIds: ['fz-form', 'fz-form-open'],
    path: (id) => `/v1/forms/${id}`,
  },
  partner: {
    method: 'POST',
    routeKey: 'POST /v1/partners/{sourceId}/leads',
    sourceIds: ['fz-partner'],
    path: (id) => `/v1/partners/${id}/leads`,
  },
  'google-ads': {
    method: 'POST',
    routeKey: 'POST /v1/webhooks/google-ads/{sourceId}',
    sourceIds: ['fz-google'],
    path: (id) => `/v1/webhooks/google-ads/${id}`,
  },
  'meta-verify': { method: 'GET', routeKey: 'GET /v1/webhooks/meta', path: () => '/v1/webhooks/meta' },
  meta: { method: 'POST', routeKey: 'POST /v1/webhooks/meta', path: () => '/v1/webhooks/meta' },
  'linkedin-verify': {
    method: 'GET',
    routeKey: 'GET /v1/webhooks/linkedin',
    path: () => '/v1/webhooks/linkedin',
  },
  linkedin: { method: 'POST', routeKey: 'POST /v1/webhooks/linkedin', path: () => '/v1/webhooks/linkedin' },
  tiktok: { method: 'POST', routeKey: 'POST /v1/webhooks/tiktok', path: () => '/v1/webhooks/tiktok' },
};

export const routeNames = [...Object.keys(contractRoutes), 'unknown'] as RouteName[];

export interface FuzzRequest {
  route: RouteName;
  method: string;
  routeKey: string;
  path: string;
  pathParameters: Record<string, string>;
  headers: Record<string, string>;
  query: Record<string, string>;
  body: Buffer;
  /** Send the body base64-encoded (binary) rather than as text. */
  base64: boolean;
}

/** An API Gateway HTTP API payload 2.0 event for a request, as AWS (and `local/gateway.ts`) build it. */
export function apiEvent(request: FuzzRequest): APIGatewayProxyEventV2 {
  const now = new Date();
  const rawQueryString = new URLSearchParams(Object.entries(request.query)).toString();
  const hasQuery = Object.keys(request.query).length > 0;
  const hasPathParameters = Object.keys(request.pathParameters).length > 0;
  return {
    version: '2.0',
    routeKey: request.routeKey,
    rawPath: request.path,
    rawQueryString,
    headers: request.headers,
    ...(hasQuery ? { queryStringParameters: request.query } : {}),
    ...(hasPathParameters ? { pathParameters: request.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'fuzz',
      domainName: 'fuzz.example.test',
      domainPrefix: 'fuzz',
      http: {
        method: request.method,
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: request.headers['user-agent'] ?? '',
      },
      requestId: `fuzz-${now.getTime()}`,
      routeKey: request.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(request.body.length > 0 ? { body: request.body.toString(request.base64 ? 'base64' : 'utf8') } : {}),
    isBase64Encoded: request.base64 && request.body.length > 0,
  };
}

/** A record with own properties only, even for names such as `__proto__` (as JSON.parse builds it). */
export function ownRecord(entries: Iterable<readonly [string, string]>): Record<string, string> {
  return Object.fromEntries(entries);
}

const headerName = fc.oneof(
  fc.constantFrom(...prototypeKeys, 'Content-Type', 'ORIGIN', 'x-forwarded-for', 'content-length', 'cookie'),
  fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abcdefxyz-_'.split('')) }),
);
const headerValue = fc.oneof(text, fc.constantFrom('application/json', FORM_ORIGIN, 'null', '0', '-1'));

const origin = fc.oneof(
  { weight: 6, arbitrary: fc.constant(FORM_ORIGIN) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'http://localhost:8080',
      'https://evil.example',
      'null',
      '',
      'HTTPS://WWW.EXAMPLE.TEST',
    ),
  },
  { weight: 1, arbitrary: text },
);

const queryFor = (route: RouteName) => {
  const common = fc.dictionary(
    fc.oneof(fc.constantFrom('utm_source', 'utm_campaign', 'gclid', ...prototypeKeys), text),
    text,
    { maxKeys: 4 },
  );
  if (route === 'meta-verify') {
    return fc
      .tuple(
        common,
        fc.record(
          {
            'hub.mode': fc.oneof(fc.constant('subscribe'), text),
            'hub.verify_token': fc.oneof(
              { weight: 4, arbitrary: fc.constant(fuzzSecrets.META_VERIFY_TOKEN) },
              { weight: 1, arbitrary: text },
            ),
            'hub.challenge': fc.oneof(text, fc.string({ minLength: 250, maxLength: 260 })),
          },
          { requiredKeys: [] },
        ),
      )
      .map(([a, b]) => ({ ...a, ...b }));
  }
  if (route === 'linkedin-verify') {
    return fc
      .tuple(
        common,
        fc.record(
          {
            challengeCode: fc.oneof(
              fc.uuid({ version: 4 }),
              fc.uuid({ version: 4 }).map((uuid) => uuid.toUpperCase()),
              fc.uuid(),
              text,
              fc.string({ minLength: 250, maxLength: 260 }),
            ),
          },
          { requiredKeys: [] },
        ),
      )
      .map(([a, b]) => ({ ...a, ...b }));
  }
  return common;
};

const unknownRoute = fc.oneof(
  fc.constantFrom('POST /v2/forms/{sourceId}', 'DELETE /health', '$default', 'GET /', ''),
  text,
);

/** The sourceId path parameter: the route's own sources mostly, else another channel's, or made up. */
const sourceIdFor = (spec: RouteSpec) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...(spec.sourceIds ?? ['x'])) },
    { weight: 1, arbitrary: fc.constantFrom(...Object.keys(fuzzSourceFiles), 'demo-contact', '_unrouted') },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constantFrom(...prototypeKeys),
        text,
        fc.string({ minLength: 300, maxLength: 400 }),
      ),
    },
  );

/** A request to `route` with a fuzzed body, headers, query and authentication. */
export function fuzzRequest(route: RouteName): fc.Arbitrary<FuzzRequest> {
  const spec = route === 'unknown' ? undefined : contractRoutes[route];
  return fc
    .record({
      sourceId: spec?.sourceIds ? sourceIdFor(spec) : fc.constant(undefined),
      routeKey: spec ? fc.constant(spec.routeKey) : unknownRoute,
      body: fuzzBody(route),
      auth: authMode,
      garbage: text,
      origin: fc.option(origin, { freq: 6, nil: undefined }),
      referer: rarely(
        fc.oneof(fc.constant(`${FORM_ORIGIN}/contact?utm_source=ads&utm_campaign=spring`), text),
        2,
      ),
      accept: rarely(fc.constantFrom('application/json', 'text/html', '*/*'), 2),
      idempotencyKey: rarely(
        fc.oneof(fc.constantFrom('key-1', ''), text, fc.string({ minLength: 255, maxLength: 257 })),
        4,
      ),
      extraHeaders: fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 }),
      query: queryFor(route),
      base64: fc.boolean(),
    })
    .map((drawn): FuzzRequest => {
      const method = spec?.method ?? drawn.routeKey.split(' ')[0] ?? 'POST';
      const pathParameters: Record<string, string> =
        drawn.sourceId === undefined ? {} : { sourceId: drawn.sourceId };
      const headers = ownRecord([
        ...drawn.extraHeaders,
        ...(drawn.body.contentType !== undefined ? [['content-type', drawn.body.contentType] as const] : []),
        ...(drawn.origin !== undefined ? [['origin', drawn.origin] as const] : []),
        ...(drawn.referer !== undefined ? [['referer', drawn.referer] as const] : []),
        ...(drawn.accept !== undefined ? [['accept', drawn.accept] as const] : []),
        ...(drawn.idempotencyKey !== undefined ? [['idempotency-key', drawn.idempotencyKey] as const] : []),
        ...Object.entries(authHeaders(route, drawn.body.body, drawn.auth, drawn.garbage)),
      ]);
      return {
        route,
        method,
        routeKey: drawn.routeKey,
        path: spec ? spec.path(drawn.sourceId ?? '') : '/v1/unknown',
        pathParameters,
        headers,
        query: ownRecord(Object.entries(drawn.query)),
        body: drawn.body.body,
        // invalid UTF-8 survives only base64: API Gateway sends such bodies base64-encoded
        base64: drawn.base64 || !isUtf8(drawn.body.body),
      };
    });
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A short, printable description of a request for a counterexample. */
export function describeRequest(request: FuzzRequest): string {
  const body =
    request.body.length > 300
      ? `${request.body.subarray(0, 300).toString('utf8')}… (${request.body.length} bytes)`
      : request.body.toString('utf8');
  return JSON.stringify({ ...request, body });
}
