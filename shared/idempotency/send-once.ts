import { randomUUID } from 'node:crypto';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyRecordStatus,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import type { DeliveryOutcome } from '#shared/onpipeline/outcome.ts';
import type { LeadsinBody } from '#shared/onpipeline/schema.ts';

/** How long a delivered dedupe key is remembered: longer than any retry or redrive window (SQS keeps 14 days). */
export const DELIVERED_KEY_TTL_SECONDS = 30 * 24 * 60 * 60;

type Delivered = { kind: 'delivered' | 'duplicate'; status: number; leadId?: string; attempt: string };

class NotDelivered extends Error {
  readonly outcome: DeliveryOutcome;
  constructor(outcome: DeliveryOutcome) {
    super(outcome.kind);
    this.outcome = outcome;
  }
}

/** The record prefix of delivered keys (with the dedupe key's hash: the record id). */
const KEY_PREFIX = 'leadgate-deliver';

/** A send that happens at most once per dedupe key, and the look-up of keys already delivered. */
export type SendOnce = ((
  dedupeKey: string,
  body: LeadsinBody,
  context?: Context,
) => Promise<{ outcome: DeliveryOutcome; replayed: boolean }>) & {
  /**
   * The recorded outcome when `dedupeKey` was already delivered (201 or 409), else undefined (also
   * when the store cannot be read: the send itself then decides). Lets deliver skip a lead's fetch
   * from Meta or LinkedIn for a replayed notification.
   */
  delivered(dedupeKey: string): Promise<DeliveryOutcome | undefined>;
};

/**
 * Wraps a Leadsin send so that a dedupe key is sent at most once: the first attempt records the key as
 * in progress (Powertools idempotency), a delivered (201) or duplicate (409) answer is recorded with
 * Onpipeline's LeadID, and any later attempt with the same key returns that record without calling
 * Onpipeline (`replayed: true`). Failed attempts release the key, so they can be retried. A concurrent
 * attempt that finds the key in progress gets a transient outcome: it is retried later, never sent twice.
 *
 * @example
 * const once = sendOnce(store, (body) => client.sendLead(body));
 * const { outcome, replayed } = await once(envelope.dedupeKey, body, context);
 */
export function sendOnce(
  store: BasePersistenceLayer,
  send: (body: LeadsinBody) => Promise<DeliveryOutcome>,
): SendOnce {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'dedupeKey',
    expiresAfterSeconds: DELIVERED_KEY_TTL_SECONDS,
    throwOnNoIdempotencyKey: true,
  });
  const idempotent = makeIdempotent(
    async (lead: { dedupeKey: string; body: LeadsinBody; attempt: string }): Promise<Delivered> => {
      const outcome = await send(lead.body);
      const { attempt } = lead;
      if (outcome.kind === 'delivered') {
        return { kind: 'delivered', status: outcome.status, leadId: outcome.leadId, attempt };
      }
      if (outcome.kind === 'duplicate') return { kind: 'duplicate', status: outcome.status, attempt };
      throw new NotDelivered(outcome);
    },
    { persistenceStore: store, config, keyPrefix: KEY_PREFIX },
  );
  const delivered = async (dedupeKey: string): Promise<DeliveryOutcome | undefined> => {
    try {
      // the same config and prefix as the send, so the look-up reads the record the send writes
      store.configure({ config, keyPrefix: KEY_PREFIX });
      const record = await store.getRecord({ dedupeKey });
      if (record.getStatus() !== IdempotencyRecordStatus.COMPLETED) return undefined;
      const result = record.getResponse() as Delivered | undefined;
      if (result?.kind === 'delivered') {
        return { kind: 'delivered', status: result.status, leadId: result.leadId ?? 'unknown' };
      }
      return result?.kind === 'duplicate'
        ? { kind: 'duplicate', status: 409, message: 'duplicate' }
        : undefined;
    } catch {
      return undefined; // not recorded (IdempotencyItemNotFoundError), or the store is down: the send decides
    }
  };
  const once = async (
    dedupeKey: string,
    body: LeadsinBody,
    context?: Context,
  ): Promise<{ outcome: DeliveryOutcome; replayed: boolean }> => {
    if (context) config.registerLambdaContext(context);
    const attempt = randomUUID();
    try {
      const result = await idempotent({ dedupeKey, body, attempt });
      const outcome: DeliveryOutcome =
        result.kind === 'delivered'
          ? { kind: 'delivered', status: result.status, leadId: result.leadId ?? 'unknown' }
          : { kind: 'duplicate', status: 409, message: 'duplicate' };
      return { outcome, replayed: result.attempt !== attempt };
    } catch (error) {
      if (error instanceof NotDelivered) return { outcome: error.outcome, replayed: false };
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof NotDelivered) return { outcome: cause.outcome, replayed: false };
      if (error instanceof IdempotencyAlreadyInProgressError) {
        return {
          outcome: {
            kind: 'transient',
            message: 'the same lead is being delivered right now',
            ambiguous: false,
          },
          replayed: false,
        };
      }
      throw error;
    }
  };
  return Object.assign(once, { delivered });
}
