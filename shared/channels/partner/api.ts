import { z } from 'zod';
import { DEFAULT_MAX_BATCH } from '#shared/channels/partner/codes.ts';

export {
  DEFAULT_MAX_BATCH,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  type PartnerErrorCode,
  partnerErrorCodes,
} from '#shared/channels/partner/codes.ts';

/**
 * The partner API's contract (`POST /v1/partners/{sourceId}/leads`) as zod schemas: the request body,
 * the answers and the error codes. `partner.ts` builds its answers with these types and
 * `scripts/generate-openapi.ts` turns them into `docs/openapi.json`; docs/partners.md explains them.
 */

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

/** Named schemas for the OpenAPI document (`components.schemas`). */
export const partnerApiSchemas = z.registry<{ id: string }>();
partnerApiSchemas.add(partnerLeadSchema, { id: 'PartnerLead' });
partnerApiSchemas.add(partnerRequestSchema, { id: 'PartnerRequest' });
partnerApiSchemas.add(partnerErrorSchema, { id: 'Error' });
partnerApiSchemas.add(partnerErrorAnswerSchema, { id: 'ErrorAnswer' });
partnerApiSchemas.add(partnerAcceptedSchema, { id: 'Accepted' });
partnerApiSchemas.add(partnerItemResultSchema, { id: 'ItemResult' });
partnerApiSchemas.add(partnerBatchAnswerSchema, { id: 'BatchAnswer' });
