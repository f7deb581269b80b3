/**
 * Typed HTTP errors: every rejection leadgate answers carries a status, a machine code and a human
 * message, and is rendered as `{"error":{"code","message","fields"}}` (never a stack trace).
 *
 * @example
 * throw new HttpError(404, 'unknown_source', 'No lead source "acme" is configured.');
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string> | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { fields?: Record<string, string>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.fields = options.fields;
    this.headers = options.headers ?? {};
  }
}

export const badRequest = (code: string, message: string) => new HttpError(400, code, message);
export const unknownSource = (sourceId: string) =>
  new HttpError(404, 'unknown_source', `No lead source "${sourceId}" is configured for this route.`);
export const payloadTooLarge = (limitBytes: number) =>
  new HttpError(
    413,
    'payload_too_large',
    `The request body is larger than ${Math.round(limitBytes / 1024)} KB.`,
  );
/** `413 too_many_leads`: one webhook notification carries more leads than leadgate takes at once. */
export const tooManyLeads = (max: number) =>
  new HttpError(413, 'too_many_leads', `A notification may carry at most ${max} leads.`);
export const unsupportedMediaType = (received: string | undefined) =>
  new HttpError(
    415,
    'unsupported_media_type',
    `Content-Type ${received ? `"${received}"` : '(none)'} is not accepted: use application/x-www-form-urlencoded, ` +
      'multipart/form-data or application/json.',
  );
export const queueUnavailable = (cause: unknown) =>
  new HttpError(503, 'queue_unavailable', 'The lead could not be stored right now. Please retry shortly.', {
    headers: { 'retry-after': '5' },
    cause,
  });
