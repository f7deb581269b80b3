import { channels } from '#shared/sources/channels.ts';
import { z } from '#shared/zod-mini.ts';

/**
 * What capture puts on the `leads` queue: the raw, normalised input of one lead plus its context.
 * Mapping happens in deliver, with the source config current at delivery time, so a redriven lead is
 * re-mapped after a mapping fix.
 *
 * - `fields`: input field name → value, or a list of values for repeated fields (checkboxes).
 * - `context`: flat `name → value` map read by `$` expressions: `ip`, `userAgent`, `referer`,
 *   `receivedAt`, `source`, `utm.source`, `click.gclid`, `google.campaign_id`, `meta.form_id`...
 *
 * @example
 * const envelope = envelopeSchema.parse(JSON.parse(record.body));
 */
export const fieldValueSchema = z.union([z.string(), z.array(z.string())]);
export type FieldValue = z.infer<typeof fieldValueSchema>;
export type InputFields = Record<string, FieldValue>;

export const envelopeSchema = z.object({
  v: z.literal(1),
  id: z.string().check(z.minLength(1)),
  sourceId: z.string().check(z.minLength(1)),
  channel: z.enum(channels),
  receivedAt: z.iso.datetime(),
  dedupeKey: z.string().check(z.minLength(1)),
  fields: z.record(z.string(), fieldValueSchema),
  context: z.record(z.string(), z.string()),
  test: z.optional(z.boolean()),
  /**
   * Set when the notification carried only an id and deliver must fetch the lead itself first
   * (Meta's Graph API, LinkedIn's leadFormResponses); `fields` is then empty until resolved.
   */
  fetch: z.optional(
    z.object({ provider: z.enum(['meta', 'linkedin']), id: z.string().check(z.minLength(1)) }),
  ),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/** The input of the mapping engine: a lead's fields and its `$` context values. */
export type LeadInput = Pick<Envelope, 'fields' | 'context'>;
