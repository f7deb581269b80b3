import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpError } from '#shared/http/errors.ts';
import { errorResult, type HttpResult, logFields } from '#shared/http/response.ts';
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
 * One structured log line per request: route, source, outcome, status, duration, and the fields the
 * channel attached to its answer (`withLogFields`: lead id, error code, counts). Register it before
 * `httpErrors()` so it sees the rendered error answer.
 *
 * @example
 * middy(handler).use(requestLog()).use(httpErrors());
 */
export function requestLog(): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  const started = new WeakMap<object, number>();
  const write = async (request: Request<APIGatewayProxyEventV2, HttpResult>) => {
    const status = request.response?.statusCode ?? 500;
    const fields = request.response?.[logFields];
    const start = started.get(request);
    const durationMs = start === undefined ? 0 : Math.round((performance.now() - start) * 100) / 100;
    logger.info('request', {
      route: request.event.routeKey,
      sourceId: request.event.pathParameters?.sourceId,
      leadId: fields?.leadId,
      outcome: status < 300 ? 'accepted' : status < 400 ? 'redirected' : status < 500 ? 'rejected' : 'failed',
      status,
      ...fields,
      durationMs,
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
