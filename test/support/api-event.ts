import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * An API Gateway HTTP API (payload 2.0) event of `routeKey` at `path`, as API Gateway sends it (no
 * body, no headers, a fixed request context: source ip `198.51.100.7`, user agent `context-agent`);
 * `overrides` replace top-level properties (`headers`, `body`, `pathParameters`, …).
 *
 * @example
 * await handler(httpApiEvent('GET /health', '/health'), context);
 * httpApiEvent('POST /v1/forms/{sourceId}', '/v1/forms/x', { pathParameters: { sourceId: 'x' }, body: '{}' });
 */
export function httpApiEvent(
  routeKey: string,
  path: string,
  overrides: Partial<APIGatewayProxyEventV2> = {},
): APIGatewayProxyEventV2 {
  const [method = 'GET'] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'leads.example.test',
      domainPrefix: 'leads',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'context-agent' },
      requestId: 'request-1',
      routeKey,
      stage: '$default',
      time: '04/Dec/2026:19:00:00 +0000',
      timeEpoch: 1_796_000_000_000,
    },
    ...overrides,
  };
}
