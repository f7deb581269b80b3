import { z } from 'zod';

/**
 * The partner API's contract (`POST /v1/partners/{sourceId}/leads`) as zod schemas: the request body,
 * the answers and the error codes. `partner.ts` builds its answers with these types and
 * `scripts/generate-openapi.ts` turns them into `docs/openapi.json`; docs/partners.md explains them.
 */

/** Leads per request when the source sets no `partner.maxBatch`. */
export const DEFAULT_MAX_BATCH = 100;

/** Longest accepted `Idempotency-Key` (visible ASCII only). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** One lead: field name → value, exactly like a website form's JSON body. */
export const partnerLeadSchema = z
  .record(
    z.string().max(256),
    z.union([
      scalar,
      z.array(scalar).max(100),
      z.record(z.string(), z.unknown()).meta({ description: 'Nested objects become `parent.child` fields.' }),
    ]),
  )
  .meta({
    description:
      'One lead: field names of your choice and their values. Numbers and booleans are read as text, ' +
      '`null` as absent, a list of values as a multi-value field, and a nested object as ' +
      '`parent.child` fields. Integers keep every digit, however long. How fields become an ' +
      'Onpipeline lead is the mapping of your source, agreed with us.',
    examples: [
      {
        first_name: 'Jane',
        last_name: 'Doe',
        email: 'jane.doe@example.com',
        phone: '+34 600 000 000',
        company: 'Acme Iberia',
        interests: ['Pricing', 'Demo'],
        lead_id: 'A-1001',
      },
    ],
  });

/** The request body: one lead, or a list of leads (at most the source's `partner.maxBatch`). */
export const partnerRequestSchema = z
  .union([
    partnerLeadSchema,
    z
      .array(partnerLeadSchema)
      .min(1)
      .max(1000)
      .meta({ description: `A batch: up to ${DEFAULT_MAX_BATCH} leads unless agreed otherwise (max 1000).` }),
  ])
  .meta({ description: 'One lead (a JSON object) or a batch of leads (a JSON array of objects).' });

/** The error of the HTTP contract. */
export const partnerErrorSchema = z
  .object({
    code: z.string().meta({ description: 'Machine-readable code: see the table in docs/partners.md.' }),
    message: z.string().meta({ description: 'Human-readable explanation (English).' }),
    fields: z.record(z.string(), z.string()).optional().meta({
      description: 'For validation_failed: the Onpipeline fields that could not be filled, and why.',
    }),
  })
  .meta({ description: 'What went wrong.' });

export const partnerErrorAnswerSchema = z
  .object({ error: partnerErrorSchema })
  .meta({ description: 'A rejected request (or a rejected single lead).' });

export const partnerAcceptedSchema = z
  .object({
    id: z.string().meta({
      description:
        "leadgate's id of the lead (26 characters, ULID-shaped): quote it when you ask us about it. A resend with the same idempotency key or lead id is answered with the same id.",
    }),
    status: z.literal('queued'),
  })
  .meta({ description: 'A single lead was accepted and is stored for delivery.' });

export const partnerItemResultSchema = z
  .discriminatedUnion('status', [
    z.object({
      index: z.number().int().min(0),
      id: z.string(),
      status: z.literal('queued'),
    }),
    z.object({
      index: z.number().int().min(0),
      status: z.literal('rejected'),
      error: partnerErrorSchema,
    }),
    z.object({
      index: z.number().int().min(0),
      status: z.literal('failed'),
      error: partnerErrorSchema,
    }),
  ])
  .meta({
    description:
      'The outcome of one lead of a batch, by its position (`index`, from 0): `queued` (accepted), ' +
      '`rejected` (fix it before sending it again) or `failed` (we could not store it right now: ' +
      'send that lead again later).',
  });

export const partnerBatchAnswerSchema = z.object({ results: z.array(partnerItemResultSchema) }).meta({
  description:
    'The answer to a batch: one result per lead, in the order sent. 202 when at least one lead was ' +
    'queued, 422 when none was.',
});

export type PartnerError = z.infer<typeof partnerErrorSchema>;
export type PartnerAccepted = z.infer<typeof partnerAcceptedSchema>;
export type PartnerItemResult = z.infer<typeof partnerItemResultSchema>;
export type PartnerBatchAnswer = z.infer<typeof partnerBatchAnswerSchema>;

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

/** Named schemas for the OpenAPI document (`components.schemas`). */
export const partnerApiSchemas = z.registry<{ id: string }>();
partnerApiSchemas.add(partnerLeadSchema, { id: 'PartnerLead' });
partnerApiSchemas.add(partnerRequestSchema, { id: 'PartnerRequest' });
partnerApiSchemas.add(partnerErrorSchema, { id: 'Error' });
partnerApiSchemas.add(partnerErrorAnswerSchema, { id: 'ErrorAnswer' });
partnerApiSchemas.add(partnerAcceptedSchema, { id: 'Accepted' });
partnerApiSchemas.add(partnerItemResultSchema, { id: 'ItemResult' });
partnerApiSchemas.add(partnerBatchAnswerSchema, { id: 'BatchAnswer' });
