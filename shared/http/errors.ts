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
  /** Answer as `303 See Other` to this URL instead of the JSON error (a classic form post's failure page). */
  readonly redirect: string | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    options: {
      fields?: Record<string, string>;
      headers?: Record<string, string>;
      redirect?: string | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.fields = options.fields;
    this.headers = options.headers ?? {};
    this.redirect = options.redirect;
  }

  /**
   * The same rejection answered with extra headers (CORS) and, when `redirect` is given, as a 303 to it.
   * Channels say how an error is answered; `httpErrors()` alone renders it.
   *
   * @example
   * throw error.answeredWith({ headers: { 'access-control-allow-origin': origin } });
   */
  answeredWith(answer: { headers?: Record<string, string>; redirect?: string | undefined }): HttpError {
    return new HttpError(this.status, this.code, this.message, {
      ...(this.fields ? { fields: this.fields } : {}),
      headers: { ...this.headers, ...answer.headers },
      redirect: answer.redirect ?? this.redirect,
      cause: this.cause,
    });
  }
}

/**
 * How a route answers its rejections, declared with the route (capture's route table) and applied by
 * `httpErrors()`: the body style (`contract`: `{"error":{...}}`; `message`: Google's `{"message"}`), the
 * `channel` log field, and a hook that counts the rejection (per-channel metrics).
 */
export interface ErrorAnswer {
  style?: 'contract' | 'message';
  logChannel?: string | undefined;
  counted?: (error: HttpError) => void;
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
