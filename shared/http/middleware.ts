import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpError } from '#shared/http/errors.ts';
import { errorResult, type HttpResult } from '#shared/http/response.ts';
import { logger } from '#shared/telemetry.ts';

/**
 * Turns any error into the HTTP contract's error body. `HttpError`s keep their status and code; anything
 * else is logged (name and message only, no request data) and answered as a plain 500 with no details.
 * Use it right after the logger middleware so its log line carries the request id.
 *
 * @example
 * middy(handler).use(injectLambdaContext(logger)).use(httpErrors());
 */
export function httpErrors(): MiddlewareObj<unknown, HttpResult> {
  return {
    onError: async function renderHttpError(request) {
      const error = request.error;
      if (error instanceof HttpError) {
        request.response = errorResult(error);
        return;
      }
      logger.error('unhandled error', { error: error ? `${error.name}: ${error.message}` : 'unknown' });
      request.response = errorResult(
        new HttpError(500, 'internal_error', 'Something went wrong on our side.'),
      );
    },
  };
}

/**
 * One structured log line per request: route, source, lead id (from a 2xx answer), outcome, status
 * and duration. Register it before `httpErrors()` so it sees the rendered error answer.
 *
 * @example
 * middy(handler).use(requestLog()).use(httpErrors());
 */
export function requestLog(): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  const started = new WeakMap<object, number>();
  const write = async (request: Request<APIGatewayProxyEventV2, HttpResult>) => {
    const status = request.response?.statusCode ?? 500;
    let leadId: string | undefined;
    if (status < 300 && request.response?.body?.startsWith('{')) {
      try {
        const answer = JSON.parse(request.response.body) as { id?: unknown };
        if (typeof answer.id === 'string') leadId = answer.id;
      } catch {
        leadId = undefined;
      }
    }
    const errorCode = status >= 400 ? errorCodeOf(request.response?.body) : undefined;
    logger.info('request', {
      route: request.event.routeKey,
      sourceId: request.event.pathParameters?.sourceId,
      leadId,
      outcome: status < 300 ? 'accepted' : status < 400 ? 'redirected' : status < 500 ? 'rejected' : 'failed',
      status,
      ...(errorCode ? { code: errorCode } : {}),
      durationMs: Math.round((performance.now() - (started.get(request) ?? performance.now())) * 100) / 100,
    });
  };
  return {
    before: async function startRequestClock(request) {
      started.set(request, performance.now());
    },
    after: write,
    onError: write,
  };
}

function errorCodeOf(body: string | undefined): string | undefined {
  if (!body?.startsWith('{')) return undefined;
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
