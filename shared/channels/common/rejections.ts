import type { HttpError } from '#shared/http/errors.ts';
import { count } from '#shared/telemetry.ts';

/** The channel part of the per-channel metric names (what the CDK stack's alarms read). */
export type ChannelMetric =
  | 'form'
  | 'partner'
  | 'google_ads'
  | 'meta'
  | 'linkedin'
  | 'tiktok'
  | (string & {});

/**
 * Codes that refuse a signature, key or token even where they are not a 401 (Google's key and Meta's
 * verify token answer 403; a partner using a method its source does not allow answers 403).
 */
const credentialCodes = new Set([
  'signature_missing',
  'invalid_signature',
  'unsupported_signature_scheme',
  'too_many_signatures',
  'invalid_api_key',
  'invalid_google_key',
  'verification_failed',
  'auth_method_not_allowed',
]);

/**
 * Counts a rejection a channel answers: `rejected_<code>` (every rejection), `<channel>_rejected`
 * (every 4xx) and `<channel>_signature_refused` (every refused signature, key or token: any 401, and
 * the credential codes answered with 403). A form's origin refusal (403) is a 4xx but no credential.
 *
 * @example
 * countRejection('linkedin', error); // rejected_invalid_signature, linkedin_rejected, linkedin_signature_refused
 */
export function countRejection(channel: ChannelMetric, error: HttpError): void {
  count(`rejected_${error.code}`);
  countRejectedStatus(channel, error.status);
  if (error.status === 401 || credentialCodes.has(error.code)) count(`${channel}_signature_refused`);
}

/**
 * Counts `<channel>_rejected` for an answer built without an `HttpError` (a partner batch in which
 * every lead was refused: 422 with a result per lead).
 *
 * @example
 * countRejectedStatus('partner', 422);
 */
export function countRejectedStatus(channel: ChannelMetric, status: number): void {
  if (status >= 400 && status < 500) count(`${channel}_rejected`);
}
