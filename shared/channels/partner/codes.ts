/**
 * The partner API's limits and error codes, without its zod schemas (`#shared/channels/partner/api.ts`
 * re-exports them), so capture can answer with them without loading zod's classic API.
 */

/** Leads per request when the source sets no `partner.maxBatch`. */
export const DEFAULT_MAX_BATCH = 100;

/** Longest accepted `Idempotency-Key` (visible ASCII only). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * Every error code the partner API answers, with its HTTP status and meaning: the one list that
 * docs/partners.md and the OpenAPI descriptions follow.
 */
export const partnerErrorCodes = {
  malformed_body: {
    status: 400,
    meaning: 'The body (or one lead of a batch) is not valid JSON of the expected shape.',
  },
  malformed_lead: { status: 400, meaning: 'A lead of a batch is not a JSON object.' },
  empty_batch: { status: 400, meaning: 'The batch is an empty list.' },
  invalid_idempotency_key: {
    status: 400,
    meaning: 'Idempotency-Key is empty, too long or not visible ASCII.',
  },
  too_many_fields: { status: 400, meaning: 'A lead has more than 500 fields.' },
  too_many_values: { status: 400, meaning: 'A list value has more than 100 items.' },
  field_too_long: { status: 400, meaning: 'A field value is longer than 65,536 characters.' },
  field_name_too_long: { status: 400, meaning: 'A field name is longer than 256 characters.' },
  too_deep: { status: 400, meaning: 'A lead is nested deeper than 8 levels.' },
  unauthorized: { status: 401, meaning: 'Neither an X-Api-Key nor a Standard Webhooks signature was sent.' },
  invalid_api_key: { status: 401, meaning: 'The X-Api-Key is not one of the keys of this source.' },
  signature_headers_missing: {
    status: 401,
    meaning: 'A signed request lacks one of webhook-id, webhook-timestamp, webhook-signature.',
  },
  signature_timestamp_invalid: {
    status: 401,
    meaning: 'webhook-timestamp is not whole seconds since the epoch.',
  },
  signature_expired: { status: 401, meaning: 'webhook-timestamp is more than 5 minutes from our clock.' },
  unsupported_signature_scheme: { status: 401, meaning: 'webhook-signature carries no `v1,` signature.' },
  too_many_signatures: {
    status: 401,
    meaning: 'webhook-signature lists more than 5 signatures.',
  },
  invalid_signature: {
    status: 401,
    meaning: 'No v1 signature matches the request under the source’s secrets.',
  },
  auth_method_not_allowed: {
    status: 403,
    meaning: 'The source does not accept this authentication method (API key or signature).',
  },
  unknown_source: { status: 404, meaning: 'No partner source has this id.' },
  payload_too_large: { status: 413, meaning: 'The body is larger than 256 KB.' },
  batch_too_large: { status: 413, meaning: 'The batch has more leads than the source allows (default 100).' },
  unsupported_media_type: { status: 415, meaning: 'Content-Type is not application/json.' },
  validation_failed: {
    status: 422,
    meaning: 'Required Onpipeline fields are missing or invalid: see `fields`.',
  },
  queue_unavailable: { status: 503, meaning: 'The lead could not be stored right now: retry (Retry-After).' },
  auth_unavailable: {
    status: 503,
    meaning: 'The request cannot be authenticated right now: retry (Retry-After).',
  },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type PartnerErrorCode = keyof typeof partnerErrorCodes;
