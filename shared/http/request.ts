import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** What leadgate's channels read from an HTTP API event, normalised (lower-case header names, raw bytes). */
export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  query: Record<string, string | undefined>;
  pathParameters: Record<string, string | undefined>;
  /** The body exactly as received (base64 undone). */
  body: Buffer;
  ip: string | undefined;
  userAgent: string | undefined;
}

/**
 * Reads an API Gateway HTTP API (payload 2.0) event.
 *
 * @example
 * const request = readRequest(event);
 * request.headers['content-type'];
 */
export function readRequest(event: APIGatewayProxyEventV2): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const raw = event.body ?? '';
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    headers,
    query: event.queryStringParameters ?? {},
    pathParameters: event.pathParameters ?? {},
    body: Buffer.from(raw, event.isBase64Encoded ? 'base64' : 'utf8'),
    ip: event.requestContext.http.sourceIp,
    userAgent: headers['user-agent'] ?? event.requestContext.http.userAgent,
  };
}

/** Whether the sender asked for JSON (a `fetch` call) rather than being a classic browser form post. */
export function wantsJson(request: HttpRequest): boolean {
  const accept = request.headers.accept ?? '';
  const contentType = request.headers['content-type'] ?? '';
  return accept.includes('application/json') || contentType.includes('application/json');
}
