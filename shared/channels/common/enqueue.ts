import { LogLevelThreshold } from '@aws-lambda-powertools/logger';
import type { Envelope } from '#shared/envelope.ts';
import { payloadTooLarge, queueUnavailable } from '#shared/http/errors.ts';
import { limits } from '#shared/http/limits.ts';
import { leadIdForKey, newLeadId } from '#shared/ids.ts';
import { type LeadQueue, MessageTooLargeError } from '#shared/queue/client.ts';
import type { Channel } from '#shared/sources/schema.ts';
import { count, logger } from '#shared/telemetry.ts';

export type NewLead = Omit<Envelope, 'v' | 'id' | 'receivedAt' | 'dedupeKey' | 'channel'> & {
  channel: Channel;
  /** The sender's own id of the lead (ad network lead id, Idempotency-Key); default: the envelope id. The id is derived from it. */
  dedupeKey?: string | undefined;
  id?: string;
  receivedAt?: string;
};

/**
 * Builds a lead envelope (id, receive time, dedupe key) without sending it. A lead with its sender's
 * own key gets the id derived from that key (`leadIdForKey`), so a resend is answered with the id of
 * the first; any other lead gets a fresh ULID.
 *
 * @example
 * const envelope = newEnvelope({ sourceId, channel: 'tiktok', fields, context, dedupeKey: `tiktok:${leadId}` });
 */
export function newEnvelope(lead: NewLead): Envelope {
  const { dedupeKey, ...rest } = lead;
  const id = lead.id ?? (dedupeKey ? leadIdForKey(dedupeKey) : newLeadId());
  return {
    ...rest,
    v: 1,
    id,
    receivedAt: lead.receivedAt ?? new Date().toISOString(),
    dedupeKey: dedupeKey ?? `${lead.channel}:${id}`,
  };
}

/**
 * Puts an envelope on the queue; a queue failure becomes `503 queue_unavailable` with Retry-After, so
 * the sender retries and is never told a lost lead was accepted.
 *
 * @example
 * await enqueue(queue, envelope);
 */
export async function enqueue(queue: LeadQueue, envelope: Envelope): Promise<void> {
  try {
    await queue.enqueue(envelope);
  } catch (error) {
    if (error instanceof MessageTooLargeError) throw payloadTooLarge(limits.maxBodyBytes);
    logger.error('queue unavailable: lead refused with 503', {
      sourceId: envelope.sourceId,
      channel: envelope.channel,
      error: error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : 'unknown',
    });
    count('enqueue_failed');
    throw queueUnavailable(error);
  }
  count('lead_accepted');
  // The request line (requestLog) carries source, lead id and outcome; this one adds detail at DEBUG
  // (checked first: Powertools reads the environment for a line it then drops).
  if (logger.level > LogLevelThreshold.DEBUG) return;
  logger.debug('lead queued', {
    sourceId: envelope.sourceId,
    leadId: envelope.id,
    channel: envelope.channel,
    fieldCount: Object.keys(envelope.fields).length,
    ...(envelope.test ? { test: true } : {}),
    ...(envelope.fetch ? { fetch: envelope.fetch.provider } : {}),
  });
}

/**
 * Enqueues the envelopes of one notification, `concurrency` at a time (default 1: in order), each
 * through `enqueue`. After a failure no new one starts; the first failure (503 or 413) is thrown once
 * those in flight settle, so the sender retries the whole notification (dedupe keys absorb repeats).
 *
 * @example
 * await enqueueAll(queue, envelopes, { concurrency: 10 });
 */
export async function enqueueAll(
  queue: LeadQueue,
  envelopes: readonly Envelope[],
  options: { concurrency?: number; onBeforeQueue?: (envelope: Envelope) => void } = {},
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < envelopes.length) {
      const envelope = envelopes[next++];
      if (!envelope) break;
      try {
        options.onBeforeQueue?.(envelope);
        await enqueue(queue, envelope);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  const workers = Math.min(options.concurrency ?? 1, envelopes.length);
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) throw failure;
}
