import http from 'node:http';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, toEvent } from '#local/gateway.ts';
import { routes } from '#shared/http/routes.ts';
import { fuzzCapture } from '#test/support/fuzz/capture.ts';
import { interceptLogLines } from '#test/support/fuzz/logs.ts';
import { text } from '#test/support/fuzz/text.ts';
import { watchCrashes } from '#test/support/fuzz/watch.ts';

let capture: ReturnType<typeof fuzzCapture>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let interception: ReturnType<typeof interceptLogLines>;

beforeAll(async () => {
  // quiet: the handler's log lines are intercepted, not printed
  interception = interceptLogLines(() => undefined);
  capture = fuzzCapture();
  gateway = await startGateway({ port: 0, handler: (event) => capture.invoke(event) });
});
afterAll(async () => {
  await gateway.stop();
  capture.cleanup();
  interception.restore();
});

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One raw HTTP/1.1 request over loopback: the path is sent exactly as given (no URL normalising). */
function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: gateway.port,
        method,
        path,
        headers: { ...headers, 'content-length': String(body.length) },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Path segments: route words, percent-encoded anything, and broken percent-escapes. */
const segment = fc.oneof(
  fc.constantFrom('v1', 'forms', 'partners', 'leads', 'webhooks', 'meta', 'linkedin', 'tiktok', 'google-ads'),
  fc.constantFrom('fz-form', 'fz-form-open', 'fz-partner', 'fz-google', 'health', ''),
  fc.constantFrom('%', '%Z', '%ZZ', '%E0%A4%A', '%C3', '%ED%A0%80', '%00', '%2F', '..', '.'),
  text.map((value) => encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, ''))),
);
const path = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 5 }).map((segments) => `/${segments.join('/')}`),
  fc
    .tuple(fc.constantFrom(...routes.map((route) => route.path)), segment)
    .map(([template, value]) => template.replace('{sourceId}', value)),
);
const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom(
    '?hub.mode=subscribe&hub.challenge=1',
    '?challengeCode=%ZZ',
    '?a=1&a=2',
    '?toString=1',
    '?&&=&',
  ),
);

describe('local gateway: fuzzed HTTP requests over loopback', () => {
  it('never answers a 5xx, always a JSON error with a code for a rejection', async () => {
    // Prepare
    const crashes = watchCrashes();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'POST', 'OPTIONS', 'PUT', 'DELETE', 'PATCH'),
          path,
          query,
          fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'),
          fc.uint8Array({ maxLength: 64 }),
          async (method, requestPath, search, contentType, body) => {
            // Act
            const answer = await rawRequest(
              method,
              requestPath + search,
              { 'content-type': contentType, origin: 'https://www.example.test' },
              Buffer.from(body),
            );

            // Assess
            const where = `${method} ${requestPath}${search}`;
            expect(answer.status, `${where} → ${answer.body}`).toBeLessThan(500);
            if (answer.status >= 400 && !requestPath.startsWith('/v1/webhooks/google-ads/')) {
              expect(JSON.parse(answer.body).error.code, where).toMatch(/^[a-z_]+$/);
            }
          },
        ),
        { numRuns: 400 },
      );
    } finally {
      crashes.stop();
    }
    expect(crashes.errors).toEqual([]);
  });

  it.each([
    ['POST', '/v1/forms/%ZZ', 'a broken percent-escape in {sourceId}'],
    ['POST', '/v1/forms/%E0%A4%A', 'a truncated UTF-8 percent-escape in {sourceId}'],
    ['POST', '/v1/partners/%/leads', 'a lone % in {sourceId}'],
    ['POST', '/v1/webhooks/google-ads/%C3', 'half a UTF-8 character in {sourceId}'],
    ['GET', '//%20/health', 'a request target that URL() reads as an invalid host'],
    ['GET', '//[/health', 'a request target that URL() reads as an invalid IPv6 host'],
  ])('answers %s %s (%s) with a JSON 4xx, not a 500', async (method, requestPath) => {
    // Act
    const answer = await rawRequest(
      method,
      requestPath,
      { 'content-type': 'application/json', origin: 'https://www.example.test' },
      Buffer.from('{}'),
    );

    // Assess
    expect(answer.status, answer.body).toBeGreaterThanOrEqual(400);
    expect(answer.status, answer.body).toBeLessThan(500);
    const body = JSON.parse(answer.body);
    // Google Ads is answered in Google's own format, {"message"}; every other route with a code
    if (requestPath.startsWith('/v1/webhooks/google-ads/')) expect(typeof body.message).toBe('string');
    else expect(body.error.code).toMatch(/^[a-z_]+$/);
  });

  it('answers a body over the 10 MB read limit with 413, without reading it all', async () => {
    // Act
    const answer = await rawRequest(
      'POST',
      '/v1/forms/fz-form-open',
      { 'content-type': 'application/json' },
      Buffer.alloc(10 * 1024 * 1024 + 1, 0x20),
    );

    // Assess
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe('payload_too_large');
  });
});

describe('toEvent: query string parameters', () => {
  /** A request object as `http.IncomingMessage` has it, for `toEvent`. */
  const incoming = (url: string) =>
    ({
      headers: { host: '127.0.0.1' },
      method: 'GET',
      httpVersion: '1.1',
      url,
      socket: { remoteAddress: '127.0.0.1' } as Socket,
    }) as unknown as http.IncomingMessage;

  const name = fc.oneof(
    fc.constantFrom(
      'toString',
      'constructor',
      'valueOf',
      'hasOwnProperty',
      '__proto__',
      'hub.challenge',
      'utm_source',
    ),
    fc.string({ minLength: 1, maxLength: 6 }),
  );

  it('keeps every parameter exactly as sent, whatever its name (API Gateway joins repeats with a comma)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 6 }),
        (pairs) => {
          // Prepare
          const search = new URLSearchParams(pairs);
          const url = new URL(`http://127.0.0.1/v1/webhooks/meta?${search}`);
          const expected = new Map<string, string[]>();
          for (const [key, value] of url.searchParams)
            expected.set(key, [...(expected.get(key) ?? []), value]);

          // Act
          const event = toEvent(
            incoming(url.pathname + url.search),
            url,
            'GET /v1/webhooks/meta',
            {},
            Buffer.alloc(0),
          );

          // Assess
          const parameters = event.queryStringParameters ?? {};
          for (const [key, values] of expected) {
            expect(Object.hasOwn(parameters, key), `?${search} keeps ${key}`).toBe(true);
            expect(parameters[key], `?${search}`).toBe(values.join(','));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
