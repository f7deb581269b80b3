import type { InputFields } from '#shared/envelope.ts';
import { HttpError } from '#shared/http/errors.ts';
import { httpsOrLoopback, isRedirectRefused } from '#shared/http/outbound.ts';
import type { HttpRequest } from '#shared/http/request.ts';
import type { SecretStore } from '#shared/security/secrets.ts';
import { authUnavailable } from '#shared/security/signatures.ts';
import type { CaptchaProvider, CaptchaSettings, Source } from '#shared/sources/schema.ts';
import { count, logger } from '#shared/telemetry.ts';

/**
 * Server-side CAPTCHA verification of website forms (`form.captcha`, docs/sources.md "CAPTCHA"):
 * the widget's token is read from the provider's standard field or the `X-Captcha-Token` header,
 * removed from the fields, and checked with the provider's siteverify API (secret, token, remote IP)
 * before the lead is queued.
 *
 * - Turnstile: https://developers.cloudflare.com/turnstile/get-started/server-side-validation/
 *   (form-encoded or JSON; `success`, `error-codes`, `action`; tokens at most 2048 characters,
 *   single use; `internal-error` means Cloudflare failed, the request may be retried).
 * - hCaptcha: https://docs.hcaptcha.com/#verify-the-user-response-server-side (form-encoded;
 *   `success`, `error-codes`).
 * - reCAPTCHA: https://developers.google.com/recaptcha/docs/verify (form-encoded; `success`,
 *   `error-codes`) and https://developers.google.com/recaptcha/docs/v3 (`score` 0.0–1.0, `action`;
 *   "By default, you can use a threshold of 0.5").
 *
 * A missing or refused token is `403 captcha_failed`; a secret that is not set or malformed is
 * `503 auth_unavailable` (fail closed). A provider that cannot be reached (timeout, connection
 * error, 5xx, an answer that is not its JSON) never loses the lead: it is accepted with
 * `$captcha = unverified` (counted `captcha_unverified`), unless the source says
 * `onUnavailable: reject` (`503 captcha_unavailable` with Retry-After).
 */

/** The providers' documented siteverify endpoints. */
export const DEFAULT_VERIFY_URLS: Readonly<Record<CaptchaProvider, string>> = {
  turnstile: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  hcaptcha: 'https://api.hcaptcha.com/siteverify',
  recaptcha: 'https://www.google.com/recaptcha/api/siteverify',
};

/** The settings (environment variables) that move each endpoint (a stand-in, a proxy). */
export const VERIFY_URL_SETTINGS: Readonly<Record<CaptchaProvider, string>> = {
  turnstile: 'TURNSTILE_VERIFY_URL',
  hcaptcha: 'HCAPTCHA_VERIFY_URL',
  recaptcha: 'RECAPTCHA_VERIFY_URL',
};

/** The form field each provider's widget fills in with its token. */
export const TOKEN_FIELDS: Readonly<Record<CaptchaProvider, string>> = {
  turnstile: 'cf-turnstile-response',
  hcaptcha: 'h-captcha-response',
  recaptcha: 'g-recaptcha-response',
};

/** The header a `fetch` post may carry the token in instead (lower case, as `readRequest` gives it). */
export const TOKEN_HEADER = 'x-captcha-token';

/** Longest token sent to a provider: Turnstile documents 2048 characters; reCAPTCHA's run longer. */
const MAX_TOKEN_LENGTH: Readonly<Record<CaptchaProvider, number>> = {
  turnstile: 2048,
  hcaptcha: 8192,
  recaptcha: 8192,
};

/** Default timeout of one siteverify call. */
export const DEFAULT_VERIFY_TIMEOUT_MS = 4000;
/** Largest siteverify answer read; a bigger one is not the provider's JSON. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** A secret key as the providers issue them: printable ASCII, no spaces. */
const WELL_FORMED_SECRET = /^[\x21-\x7e]{8,512}$/;
/** Error codes that say the provider itself failed (Turnstile: "The request can be retried"). */
const PROVIDER_FAILURE_CODES = new Set(['internal-error']);
/** Error codes that say our secret is wrong: a configuration problem, never the visitor's fault. */
const SECRET_CODES = new Set(['missing-input-secret', 'invalid-input-secret', 'sitekey-secret-mismatch']);

export type CaptchaUrls = Record<CaptchaProvider, string>;

/** A verify URL setting that is not https (or plain http to a loopback host): refused at start. */
export class CaptchaSettingError extends Error {
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(`${setting} ${message}`);
    this.name = 'CaptchaSettingError';
    this.setting = setting;
  }
}

/**
 * The siteverify URL of each provider: `overrides` (the `*_VERIFY_URL` settings by name, e.g.
 * `process.env`) over the providers' own. Throws {@link CaptchaSettingError} for a URL that is not
 * `https://`, or plain `http://` to anything but a loopback host.
 *
 * @example
 * const urls = captchaVerifyUrls(process.env); // throws at start on TURNSTILE_VERIFY_URL=http://example.com
 */
export function captchaVerifyUrls(overrides: Record<string, string | undefined> = {}): CaptchaUrls {
  const urls = { ...DEFAULT_VERIFY_URLS };
  for (const provider of Object.keys(urls) as CaptchaProvider[]) {
    const setting = VERIFY_URL_SETTINGS[provider];
    const value = overrides[setting];
    if (value === undefined || value === '') continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new CaptchaSettingError(setting, `is not a URL: ${JSON.stringify(value)}`);
    }
    if (url.username || url.password) throw new CaptchaSettingError(setting, 'must not carry credentials');
    if (!httpsOrLoopback(url)) {
      throw new CaptchaSettingError(
        setting,
        `must use https:// (plain http:// only for 127.0.0.1, localhost or [::1]): ${url.origin}`,
      );
    }
    urls[provider] = url.toString();
  }
  return urls;
}

export interface CaptchaDeps {
  /** The gateway's verification secrets (the CAPTCHA secret keys by name). */
  secrets?: SecretStore;
  /** Siteverify endpoints and timeout; default the providers' URLs and {@link DEFAULT_VERIFY_TIMEOUT_MS}. */
  captcha?: { urls?: CaptchaUrls; timeoutMs?: number };
}

/** What the check adds to the lead's `$` context: `captcha` and, for reCAPTCHA v3, `captcha.score`. */
export type CaptchaContext = Record<string, string>;

type Verdict =
  | { kind: 'verified'; score: number | undefined; action: string | undefined }
  | { kind: 'failed'; codes: string[] }
  | { kind: 'secret_refused'; codes: string[] }
  | { kind: 'unavailable'; reason: string };

/**
 * The form channel's CAPTCHA step: for a source with `form.captcha`, takes the token out of
 * `fields` (in place), verifies it and returns the `$captcha` context; throws an `HttpError` when
 * the lead must be refused. Sources without `form.captcha` pass untouched (`{}`).
 *
 * @example
 * const captcha = captchaCheck({ secrets });
 * const context = await captcha(source, request, fields); // { captcha: 'verified' }
 */
export function captchaCheck(deps: CaptchaDeps) {
  const urls = deps.captcha?.urls ?? DEFAULT_VERIFY_URLS;
  const timeoutMs = deps.captcha?.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS;

  return async (source: Source, request: HttpRequest, fields: InputFields): Promise<CaptchaContext> => {
    const settings = source.form?.captcha;
    if (!settings) return {};
    const { provider } = settings;
    const token = takeToken(provider, request, fields);
    if (token === undefined) {
      throw captchaFailed('The CAPTCHA answer is missing: complete the CAPTCHA and send the form again.');
    }
    if (token.length > MAX_TOKEN_LENGTH[provider]) throw captchaFailed();
    const secret = await readSecret(deps.secrets, settings, source.id);
    const verdict = await siteverify(urls[provider], secret, token, request.ip, timeoutMs);
    const log = { sourceId: source.id, channel: 'form', provider };
    switch (verdict.kind) {
      case 'verified': {
        if (settings.action !== undefined && verdict.action !== settings.action) {
          logger.info('captcha refused: unexpected action', {
            ...log,
            action: verdict.action?.slice(0, 100),
          });
          throw captchaFailed();
        }
        if (provider === 'recaptcha' && verdict.score !== undefined && verdict.score < settings.minScore) {
          logger.info('captcha refused: score below minScore', { ...log, score: verdict.score });
          throw captchaFailed();
        }
        return verdict.score === undefined
          ? { captcha: 'verified' }
          : { captcha: 'verified', 'captcha.score': String(verdict.score) };
      }
      case 'failed':
        logger.info('captcha refused', { ...log, codes: verdict.codes });
        throw captchaFailed();
      case 'secret_refused':
        logger.error('captcha secret refused by the provider: check the secret', {
          ...log,
          secret: settings.secret,
          codes: verdict.codes,
        });
        throw authUnavailable();
      case 'unavailable':
        if (settings.onUnavailable === 'reject') {
          logger.warn('captcha provider unavailable: lead refused (onUnavailable: reject)', {
            ...log,
            reason: verdict.reason,
          });
          throw new HttpError(
            503,
            'captcha_unavailable',
            'The CAPTCHA cannot be checked right now. Please retry shortly.',
            { headers: { 'retry-after': '30' } },
          );
        }
        count('captcha_unverified');
        logger.warn('captcha provider unavailable: lead accepted unverified', {
          ...log,
          reason: verdict.reason,
        });
        return { captcha: 'unverified' };
    }
  };

  /** One siteverify call (form-encoded, as all three providers take it) and what its answer means. */
  async function siteverify(
    url: string,
    secret: string,
    token: string,
    remoteIp: string | undefined,
    timeout: number,
  ): Promise<Verdict> {
    const form = new URLSearchParams({ secret, response: token });
    if (remoteIp) form.set('remoteip', remoteIp);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
        // the secret is in the body: a redirect would resend it elsewhere
        redirect: 'error',
        signal: AbortSignal.timeout(timeout),
      });
      text = await boundedText(response, MAX_ANSWER_BYTES);
    } catch (error) {
      return { kind: 'unavailable', reason: failureReason(error, timeout) };
    }
    if (response.status >= 500 || response.status === 429) {
      return { kind: 'unavailable', reason: `HTTP ${response.status}` };
    }
    const answer = parseAnswer(text);
    if (!answer) return { kind: 'unavailable', reason: `unexpected answer (HTTP ${response.status})` };
    if (!answer.success) {
      if (answer.codes.some((code) => PROVIDER_FAILURE_CODES.has(code))) {
        return { kind: 'unavailable', reason: answer.codes.join(',') };
      }
      if (answer.codes.some((code) => SECRET_CODES.has(code))) {
        return { kind: 'secret_refused', codes: answer.codes };
      }
      return { kind: 'failed', codes: answer.codes };
    }
    return { kind: 'verified', score: answer.score, action: answer.action };
  }
}

/** `403 captcha_failed`: the token is missing, refused by the provider, or scored too low. */
function captchaFailed(
  message = 'The CAPTCHA could not be verified: complete it again and send the form again.',
): HttpError {
  return new HttpError(403, 'captcha_failed', message);
}

/**
 * The token of `provider` from its standard field (first non-empty value), else the
 * `X-Captcha-Token` header; every provider's field is removed from `fields` (a token is no lead data).
 */
function takeToken(provider: CaptchaProvider, request: HttpRequest, fields: InputFields): string | undefined {
  const value = Object.hasOwn(fields, TOKEN_FIELDS[provider]) ? fields[TOKEN_FIELDS[provider]] : undefined;
  for (const name of Object.values(TOKEN_FIELDS)) delete fields[name];
  const fromField = (Array.isArray(value) ? value : [value ?? '']).map((item) => item.trim()).find(Boolean);
  const fromHeader = request.headers[TOKEN_HEADER]?.trim();
  return fromField || fromHeader || undefined;
}

/** The secret's value; not set, malformed or unreadable → `503 auth_unavailable` (fail closed). */
async function readSecret(store: SecretStore | undefined, settings: CaptchaSettings, sourceId: string) {
  let value: string | undefined;
  try {
    value = await store?.get(settings.secret);
  } catch (error) {
    logger.error('secrets unavailable: request refused with 503', {
      sourceId,
      error: error instanceof Error ? error.name : 'unknown',
    });
    throw authUnavailable();
  }
  if (value === undefined || !WELL_FORMED_SECRET.test(value)) {
    logger.error(value === undefined ? 'secret not set' : 'secret malformed: counted as not set', {
      sourceId,
      secret: settings.secret,
    });
    throw authUnavailable();
  }
  return value;
}

/** The body as text, at most `maxBytes` (more is not a siteverify answer: throws). */
async function boundedText(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error('answer too large');
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error('answer too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface Answer {
  success: boolean;
  codes: string[];
  score?: number;
  action?: string;
}

/** A siteverify answer (`success` a boolean), or undefined when the text is not one. */
function parseAnswer(text: string): Answer | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  if (typeof record.success !== 'boolean') return undefined;
  const rawCodes = record['error-codes'];
  const codes = Array.isArray(rawCodes)
    ? rawCodes.filter((code): code is string => typeof code === 'string').map((code) => code.slice(0, 64))
    : [];
  const answer: Answer = { success: record.success, codes: codes.slice(0, 10) };
  if (typeof record.score === 'number' && Number.isFinite(record.score)) answer.score = record.score;
  if (typeof record.action === 'string') answer.action = record.action;
  return answer;
}

/** Why a siteverify call failed, for the log (no URL, no secret). */
function failureReason(error: unknown, timeoutMs: number): string {
  if (isRedirectRefused(error)) return 'answered with a redirect';
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (error instanceof Error && error.message === 'answer too large') return 'answer too large';
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return `connection failed (${code})`;
    current = (current as { cause?: unknown }).cause;
  }
  return 'connection failed';
}
