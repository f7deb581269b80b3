import { describe, expect, it } from 'vitest';
import {
  HttpError,
  payloadTooLarge,
  queueUnavailable,
  tooManyLeads,
  unsupportedMediaType,
} from '#shared/http/errors.ts';

describe('HttpError', () => {
  it('is an Error named HttpError with its status, code, fields, headers and cause', () => {
    // Prepare
    const cause = new Error('root');

    // Act
    const error = new HttpError(422, 'validation_failed', 'Check.', {
      fields: { a: 'b' },
      headers: { x: '1' },
      cause,
    });

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'HttpError',
      status: 422,
      code: 'validation_failed',
      message: 'Check.',
      fields: { a: 'b' },
      headers: { x: '1' },
    });
    expect(error.cause).toBe(cause);
    expect(new HttpError(400, 'c', 'm').headers).toEqual({});
  });
});

describe('the named errors', () => {
  it.each([
    [() => payloadTooLarge(256 * 1024), 413, 'payload_too_large', 'The request body is larger than 256 KB.'],
    [() => payloadTooLarge(1536), 413, 'payload_too_large', 'The request body is larger than 2 KB.'],
    [() => tooManyLeads(50), 413, 'too_many_leads', 'A notification may carry at most 50 leads.'],
    [
      () => unsupportedMediaType('text/plain'),
      415,
      'unsupported_media_type',
      'Content-Type "text/plain" is not accepted: use application/x-www-form-urlencoded, multipart/form-data or application/json.',
    ],
    [
      () => unsupportedMediaType(undefined),
      415,
      'unsupported_media_type',
      'Content-Type (none) is not accepted: use application/x-www-form-urlencoded, multipart/form-data or application/json.',
    ],
  ])('%#: %i %s', (make, status, code, message) => {
    // Act
    const error = make();

    // Assess
    expect(error).toMatchObject({ status, code, message });
  });

  it('queue_unavailable asks the sender to retry in 5 seconds and keeps the cause', () => {
    // Prepare
    const cause = new Error('SQS down');

    // Act
    const error = queueUnavailable(cause);

    // Assess
    expect(error).toMatchObject({
      status: 503,
      code: 'queue_unavailable',
      message: 'The lead could not be stored right now. Please retry shortly.',
      headers: { 'retry-after': '5' },
    });
    expect(error.cause).toBe(cause);
  });
});
