import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpError } from '#shared/http/errors.ts';
import { httpErrors, requestLog } from '#shared/http/middleware.ts';
import { type HttpResult, json, seeOther, withLogFields } from '#shared/http/response.ts';
import { interceptLines, parseJsonObject } from '#test/support/fuzz/logs.ts';

// Log at INFO, as deployed (Powertools reads the level when the logger is built).
const previousLogLevel = vi.hoisted(() => {
  const previous = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  return previous;
});

/** Every JSON line the logger writes (it writes INFO to stdout and ERROR to stderr). */
let lines: Record<string, unknown>[] = [];
let restore: () => void;

beforeAll(() => {
  ({ restore } = interceptLines(parseJsonObject, (line) => lines.push(line)));
});

afterEach(() => {
  lines = [];
});

afterAll(() => {
  restore();
  if (previousLogLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = previousLogLevel;
});

function event(routeKey = 'POST /v1/forms/{sourceId}', sourceId: string | null = 'demo-contact') {
  return {
    routeKey,
    ...(sourceId === null ? {} : { pathParameters: { sourceId } }),
  } as unknown as APIGatewayProxyEventV2;
}

/** A handler wrapped as capture wraps it: request log first, then error rendering. */
function wrapped(answer: () => Promise<HttpResult>) {
  return middy<APIGatewayProxyEventV2, HttpResult>().use(requestLog()).use(httpErrors()).handler(answer);
}

const requestLines = () => lines.filter((line) => line.message === 'request');

describe('httpErrors', () => {
  it('renders an HttpError with its status, code, message, fields and headers', async () => {
    // Prepare
    const handler = wrapped(async () => {
      throw new HttpError(422, 'validation_failed', 'Check the fields.', {
        fields: { email: 'is not an e-mail address' },
        headers: { 'retry-after': '5' },
      });
    });

    // Act
    const result = await handler(event(), {} as Context);

    // Assess
    expect(result.statusCode).toBe(422);
    expect(result.headers).toMatchObject({
      'retry-after': '5',
      'content-type': 'application/json; charset=utf-8',
    });
    expect(JSON.parse(String(result.body))).toEqual({
      error: {
        code: 'validation_failed',
        message: 'Check the fields.',
        fields: { email: 'is not an e-mail address' },
      },
    });
    expect(lines.filter((line) => line.level === 'ERROR')).toEqual([]);
  });

  it('answers any other error as a plain 500 and logs its name and message only', async () => {
    // Prepare
    const handler = wrapped(async () => {
      throw new TypeError('x is not a function');
    });

    // Act
    const result = await handler(event(), {} as Context);

    // Assess
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(String(result.body))).toEqual({
      error: { code: 'internal_error', message: 'Something went wrong on our side.' },
    });
    expect(lines.filter((line) => line.level === 'ERROR')).toEqual([
      expect.objectContaining({ message: 'unhandled error', error: 'TypeError: x is not a function' }),
    ]);
  });
});

describe('requestLog', () => {
  it.each([
    [202, 'accepted'],
    [299, 'accepted'],
    [300, 'redirected'],
    [303, 'redirected'],
    [399, 'redirected'],
    [400, 'rejected'],
    [499, 'rejected'],
    [500, 'failed'],
    [503, 'failed'],
  ])('logs one line per request, a %i as %s', async (status, outcome) => {
    // Prepare
    const handler = wrapped(async () => json(status, {}));

    // Act
    await handler(event(), {} as Context);

    // Assess
    expect(requestLines()).toEqual([
      expect.objectContaining({
        route: 'POST /v1/forms/{sourceId}',
        sourceId: 'demo-contact',
        status,
        outcome,
      }),
    ]);
  });

  it('adds the fields the answer carries (lead id, counts), and the duration in ms to 2 decimals', async () => {
    // Prepare
    const clock = vi.spyOn(performance, 'now').mockReturnValueOnce(1000).mockReturnValueOnce(1012.3456);
    const handler = wrapped(async () =>
      withLogFields(withLogFields(seeOther('https://www.example.test/thanks'), { leadId: 'L1' }), {
        count: 2,
      }),
    );

    // Act
    const result = await handler(event(), {} as Context);

    // Assess
    clock.mockRestore();
    expect(result.statusCode).toBe(303);
    const [line] = requestLines();
    expect(line).toMatchObject({
      leadId: 'L1',
      count: 2,
      status: 303,
      outcome: 'redirected',
      durationMs: 12.35,
    });
  });

  it('logs the error code and status of a rendered error, without a source on a route without one', async () => {
    // Prepare
    const handler = wrapped(async () => {
      throw new HttpError(404, 'not_found', 'No route.');
    });

    // Act
    await handler(event('GET /v1/nothing', null), {} as Context);

    // Assess
    const [line] = requestLines();
    expect(line).toMatchObject({
      route: 'GET /v1/nothing',
      code: 'not_found',
      status: 404,
      outcome: 'rejected',
    });
    expect(line).not.toHaveProperty('sourceId');
  });

  it('logs a duration of 0 for a request refused before its clock started', async () => {
    // Prepare
    const handler = middy<APIGatewayProxyEventV2, HttpResult>()
      .use({
        before: async () => {
          throw new HttpError(429, 'rate_limited', 'Slow down.');
        },
      })
      .use(requestLog())
      .use(httpErrors())
      .handler(async () => json(202, {}));

    // Act
    const result = await handler(event(), {} as Context);

    // Assess
    expect(result.statusCode).toBe(429);
    expect(requestLines()).toEqual([
      expect.objectContaining({ status: 429, outcome: 'rejected', durationMs: 0 }),
    ]);
  });

  it('logs a request that ends with no answer as failed (500)', async () => {
    // Prepare
    const handler = middy<APIGatewayProxyEventV2, HttpResult>()
      .use(requestLog())
      .handler(async () => {
        throw new Error('boom');
      });

    // Act
    const answering = handler(event(), {} as Context);

    // Assess
    await expect(answering).rejects.toThrow('boom');
    expect(requestLines()).toEqual([expect.objectContaining({ status: 500, outcome: 'failed' })]);
  });
});
