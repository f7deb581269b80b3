import type { ActivitySeries } from '#local/dashboard/activity.ts';
import type { DeliveryAttempt } from '#shared/delivery/deliver.ts';
import type { LeadsinBody } from '#shared/onpipeline/schema.ts';

/**
 * The lead whose delivery a deduplicated attempt stands on: same dedupe key (a partner's lead id,
 * an ad network's lead id...), sent to Onpipeline once, by that lead. Unknown fields mean it was
 * delivered before this runtime started (only Onpipeline's LeadID, from the idempotency record, is
 * known then).
 */
export interface FirstDelivery {
  /** leadgate's id of the lead that was sent. */
  leadId?: string | undefined;
  /** The queue message that carried it (a resend of the lead is another message with the same id). */
  messageId?: string | undefined;
  onpipelineLeadId?: string | undefined;
  /** The Leadsin body that was actually sent. */
  body?: LeadsinBody | undefined;
  at?: string | undefined;
}

/** A delivery attempt as the dashboard shows it: a deduplicated one says which lead was sent. */
export type ObservedAttempt = DeliveryAttempt & { duplicateOf?: FirstDelivery };

export interface DeliveryLog {
  /** The deliver handler's observer (`DeliveryDeps.observe`). */
  observe(attempt: DeliveryAttempt): void;
  /** The most recent attempts, newest first. */
  recent(): ObservedAttempt[];
  /**
   * Forgets every attempt `matches` selects, and the first delivery (with its body) of their dedupe
   * keys and of any key whose sent body matches (erasure); says how many attempts were forgotten.
   */
  forget(matches: (attempt: DeliveryAttempt) => boolean): number;
}

/**
 * Keeps what the one-machine dashboard shows of deliveries: the most recent attempts (bounded), and
 * for each delivered dedupe key the first lead that was sent (bounded, oldest forgotten first), so
 * that an attempt answered from the idempotency record ("already delivered: not sent again") is
 * shown as a duplicate of that lead, with the body that was actually sent. Every attempt is also
 * counted in `activity` (the charts), when given.
 *
 * @example
 * const log = deliveryLog({ activity });
 * createDeliverHandler(() => ({ ...deps, observe: log.observe }));
 */
export function deliveryLog(
  options: { recentLimit?: number; keysLimit?: number; activity?: ActivitySeries } = {},
): DeliveryLog {
  const recentLimit = options.recentLimit ?? 200;
  const keysLimit = options.keysLimit ?? 5000;
  const recent: ObservedAttempt[] = [];
  const firsts = new Map<string, FirstDelivery>();

  const remember = (key: string, first: FirstDelivery) => {
    firsts.delete(key);
    firsts.set(key, first);
    if (firsts.size > keysLimit) firsts.delete(firsts.keys().next().value as string);
  };

  return {
    observe(attempt) {
      const { outcome, envelope } = attempt;
      let observed: ObservedAttempt = attempt;
      const key = envelope?.dedupeKey;
      if (key && (outcome.kind === 'delivered' || outcome.kind === 'duplicate')) {
        if (outcome.replayed) {
          observed = {
            ...attempt,
            duplicateOf: firsts.get(key) ?? {
              onpipelineLeadId: outcome.kind === 'delivered' ? outcome.leadId : undefined,
            },
          };
        } else {
          remember(key, {
            leadId: envelope?.id,
            messageId: attempt.messageId,
            onpipelineLeadId: outcome.kind === 'delivered' ? outcome.leadId : undefined,
            body: attempt.body,
            at: attempt.at,
          });
        }
      }
      recent.unshift(observed);
      if (recent.length > recentLimit) recent.length = recentLimit;
      options.activity?.attempt(outcome, { receivedAt: envelope?.receivedAt }, Date.parse(attempt.at));
    },
    recent: () => [...recent],
    forget(matches) {
      const kept = recent.filter((attempt) => !matches(attempt));
      const forgotten = recent.filter((attempt) => !kept.includes(attempt));
      recent.splice(0, recent.length, ...kept);
      for (const attempt of forgotten) {
        if (attempt.envelope?.dedupeKey) firsts.delete(attempt.envelope.dedupeKey);
      }
      for (const [key, first] of firsts) {
        if (!first.body) continue;
        const sent: DeliveryAttempt = {
          at: first.at ?? '',
          messageId: '',
          envelope: undefined,
          outcome: { kind: 'delivered', status: 201, leadId: first.onpipelineLeadId ?? '' },
          body: first.body,
          attempt: 1,
        };
        if (matches(sent)) firsts.delete(key);
      }
      return forgotten.length;
    },
  };
}
