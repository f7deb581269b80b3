import type { MiddlewareObj } from '@middy/core';
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
