import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { listenOnLoopback } from '#local/loopback.ts';
import { lambdaContext } from '#local/poller.ts';
import { tooManyRequests } from '#local/rate-limit.ts';
import { HttpError } from '#shared/http/errors.ts';
import { errorResult, type HttpResult } from '#shared/http/response.ts';
import { matchRoute, pathHasRoute } from '#shared/http/routes.ts';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;
/** Local-only pages (demo form, dashboard); answer `undefined` to fall through to the API routes. */
export type LocalPages = (request: http.IncomingMessage, url: URL) => Promise<LocalPage | undefined>;
/**
 * Rate limit of a matched request by its client (`sourceIp`, the socket's remote address): `Retry-After`
 * seconds when that client is over its limit, else undefined.
 */
export type RequestLimit = (sourceIp: string) => number | undefined;
export interface LocalPage {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** API Gateway refuses bodies over 10 MB; the adapter stops reading there too. */
const MAX_READ_BYTES = 10 * 1024 * 1024;
/** Content types API Gateway passes as text; every other body arrives base64-encoded. */
const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript)|[^;]*\+json)/i;

/**
 * Plays API Gateway's HTTP API on one machine: matches the route table, builds a payload 2.0 event
 * (the same shape AWS sends, checked against Powertools' schema in the tests), invokes the capture
 * handler and writes its answer. Binds 127.0.0.1 only.
 *
 * @example
 * const gateway = await startGateway({ port: 3000, handler });
 */
export async function startGateway(options: {
  port: number;
  handler: HttpHandler;
  pages?: LocalPages;
  limit?: RequestLimit;
}) {
  const server = http.createServer((request, response) => {
    serve(request, response, options).catch(() => {
      if (!response.headersSent)
        write(response, errorResult(new HttpError(500, 'internal_error', 'Something went wrong.')));
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  // Clients are told 5 s (`Keep-Alive: timeout=5`) and Node's agent drops an idle socket a second
  // earlier; the server keeps it 5 s more before closing, so a request sent on a socket just before a
  // stalled event loop gets to its timers is answered, not reset (docs/architecture.md, "One machine: threads").
  server.keepAliveTimeoutBuffer = 5000;
  const { url, port, close } = await listenOnLoopback(server, options.port);
  return {
    url,
    port,
    stop: close,
  };
}

async function serve(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  options: { handler: HttpHandler; pages?: LocalPages; limit?: RequestLimit },
): Promise<void> {
  let url: URL;
  try {
    // Prefixing (rather than resolving) keeps a path such as `//x/health` a path, not a host.
    url = new URL(`http://127.0.0.1${(request.url ?? '/').startsWith('/') ? request.url : '/'}`);
  } catch {
    request.resume();
    write(
      response,
      errorResult(new HttpError(400, 'bad_request', 'The request path is not a valid URL path.')),
    );
    return;
  }
  const method = request.method ?? 'GET';
  const page = options.pages ? await options.pages(request, url) : undefined;
  if (page) {
    response.writeHead(page.status, page.headers).end(page.body);
    return;
  }
  const match = matchRoute(method, url.pathname);
  if (!match) {
    const error = pathHasRoute(url.pathname)
      ? new HttpError(405, 'method_not_allowed', `${method} is not allowed on ${url.pathname}.`)
      : new HttpError(404, 'not_found', `No route for ${method} ${url.pathname}.`);
    request.resume();
    write(response, errorResult(error));
    return;
  }
  const retryAfter = options.limit?.(sourceIpOf(request));
  if (retryAfter !== undefined) {
    request.resume();
    write(response, errorResult(tooManyRequests(retryAfter)));
    return;
  }
  const body = await readBody(request);
  if (body === undefined) {
    write(response, errorResult(new HttpError(413, 'payload_too_large', 'The request body is too large.')));
    return;
  }
  const event = toEvent(request, url, match.routeKey, match.pathParameters, body);
  const result = await options.handler(event, lambdaContext('leadgate-capture', 10));
  write(response, result);
}

function readBody(request: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_READ_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** An API Gateway HTTP API payload 2.0 event for a request. */
export function toEvent(
  request: http.IncomingMessage,
  url: URL,
  routeKey: string,
  pathParameters: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') cookies.push(...String(value).split(/;\s*/));
    else headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = Object.create(null);
  for (const [name, value] of url.searchParams) {
    query[name] = Object.hasOwn(query, name) ? `${query[name]},${value}` : value;
  }
  const contentType = headers['content-type'] ?? '';
  const isBase64Encoded = body.length > 0 && !TEXT_TYPES.test(contentType);
  const now = new Date();
  const method = request.method ?? 'GET';
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: sourceIpOf(request),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: body.toString(isBase64Encoded ? 'base64' : 'utf8') } : {}),
    isBase64Encoded,
  };
}

/** The client's address as API Gateway reports it: the TCP peer, never a forwarded-for header. */
function sourceIpOf(request: http.IncomingMessage): string {
  return request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`. */
function apiGatewayTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
    date.getUTCMinutes(),
  )}:${pad(date.getUTCSeconds())} +0000`;
}

function write(response: http.ServerResponse, result: HttpResult): void {
  const body =
    result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  response.writeHead(result.statusCode, result.headers);
  response.end(body);
}
