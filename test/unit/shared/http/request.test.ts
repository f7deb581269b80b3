import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type HttpRequest, readRequest, wantsJson } from '#shared/http/request.ts';
import { httpApiEvent } from '#test/support/api-event.ts';

/** A form post event (`POST /v1/forms/demo-contact`) with the given parts. */
const apiEvent = (overrides: Partial<APIGatewayProxyEventV2> = {}) =>
  httpApiEvent('POST /v1/forms/{sourceId}', '/v1/forms/demo-contact', overrides);

describe('readRequest', () => {
  it('reads method, path, parameters, client ip and lower-cased headers, dropping unset ones', () => {
    // Prepare
    const event = apiEvent({
      headers: { 'Content-Type': 'application/json', 'X-Empty': undefined, 'User-Agent': 'header-agent' },
      queryStringParameters: { utm_source: 'news' },
      pathParameters: { sourceId: 'demo-contact' },
      body: '{"a":1}',
    });

    // Act
    const request = readRequest(event);

    // Assess
    expect(request).toStrictEqual({
      method: 'POST',
      path: '/v1/forms/demo-contact',
      headers: { 'content-type': 'application/json', 'user-agent': 'header-agent' },
      query: { utm_source: 'news' },
      pathParameters: { sourceId: 'demo-contact' },
      body: Buffer.from('{"a":1}'),
      ip: '198.51.100.7',
      userAgent: 'header-agent',
    });
  });

  it('undoes base64 bodies byte for byte', () => {
    // Prepare
    const bytes = Buffer.from([0xff, 0x00, 0xc3, 0xa9, 0x0a]);

    // Act
    const request = readRequest(apiEvent({ body: bytes.toString('base64'), isBase64Encoded: true }));

    // Assess
    expect(request.body.equals(bytes)).toBe(true);
  });

  it('reads an event with no headers, query, parameters or body as empty, and the context user agent', () => {
    // Prepare
    const event = apiEvent({ headers: undefined as unknown as APIGatewayProxyEventV2['headers'] });

    // Act
    const request = readRequest(event);

    // Assess
    expect(request.headers).toEqual({});
    expect(request.query).toEqual({});
    expect(request.pathParameters).toEqual({});
    expect(request.body).toEqual(Buffer.alloc(0));
    expect(request.userAgent).toBe('context-agent');
  });
});

describe('wantsJson', () => {
  const request = (headers: Record<string, string>) => ({ headers }) as HttpRequest;

  it.each([
    [{ accept: 'application/json' }, true],
    [{ accept: 'text/html, application/json;q=0.9' }, true],
    [{ 'content-type': 'application/json; charset=utf-8' }, true],
    [{ accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, false],
    [{}, false],
  ])('%j: %s', (headers, expected) => {
    // Act
    const answer = wantsJson(request(headers));

    // Assess
    expect(answer).toBe(expected);
  });
});
