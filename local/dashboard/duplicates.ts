import type { FirstDelivery, ObservedAttempt } from '#local/dashboard/deliveries.ts';
import { type Html, html } from '#local/dashboard/html.ts';
import type { LeadsinBody } from '#shared/onpipeline/schema.ts';

/**
 * How the recent-leads list shows an attempt that was answered from the idempotency record: a lead
 * whose dedupe key (e.g. a partner's lead id) was already delivered is not sent again. It is shown
 * as a duplicate of the lead that was sent, with that lead's body: the one Onpipeline holds.
 */

/** The outcome the list shows: `deduplicated` for a duplicate of another lead, else the outcome's kind. */
export function shownOutcome(attempt: ObservedAttempt): string {
  return attempt.duplicateOf ? 'deduplicated' : attempt.outcome.kind;
}

/** The anchor of the attempt that sent a lead to Onpipeline (a lead is sent at most once). */
export function sentAnchor(leadId: string): string {
  return `sent-${leadId}`;
}

/** Whether this attempt is the one that sent its lead (the target of duplicates' links). */
export function isSending(attempt: ObservedAttempt): boolean {
  const outcome = attempt.outcome;
  return (outcome.kind === 'delivered' || outcome.kind === 'duplicate') && !outcome.replayed;
}

/**
 * The line under a deduplicated attempt: which lead was sent instead, linked when that lead's
 * attempt is on the list (`listed`: lead ids of the sending attempts shown).
 */
export function duplicateNote(attempt: ObservedAttempt, listed: ReadonlySet<string>): Html | undefined {
  const first = attempt.duplicateOf;
  if (!first) return undefined;
  const onpipeline = first.onpipelineLeadId ? html` (Onpipeline LeadID ${first.onpipelineLeadId})` : '';
  if (!first.leadId) {
    return html`<p class="duplicate-of">Duplicate of a lead delivered before leadgate last started${onpipeline}:
not sent again.</p>`;
  }
  if (sameMessage(attempt, first)) {
    return html`<p class="duplicate-of">Already delivered by an earlier attempt of this lead${onpipeline}:
not sent again.</p>`;
  }
  const reference = listed.has(first.leadId)
    ? html`<a href="#${sentAnchor(first.leadId)}" data-lead-link="${first.leadId}">lead ${first.leadId}</a>`
    : html`lead ${first.leadId}`;
  return html`<p class="duplicate-of" data-duplicate-of="${first.leadId}">Duplicate of ${reference}${onpipeline}
(the same dedupe key): not sent again. Onpipeline holds the first lead's body.</p>`;
}

/**
 * What the "Leadsin body sent" column shows: the first lead's body for a duplicate. A lead sent
 * again with its own key has the same lead id as its first copy (a different queue message).
 */
export function sentBody(attempt: ObservedAttempt): {
  title: string;
  body: LeadsinBody | undefined;
  empty: string;
} {
  const first = attempt.duplicateOf;
  if (!first) return { title: 'Leadsin body sent', body: attempt.body, empty: 'No body was sent.' };
  const by =
    !first.leadId || sameMessage(attempt, first)
      ? ''
      : first.leadId === attempt.envelope?.id
        ? ' (by its first copy)'
        : ` (by lead ${first.leadId})`;
  return {
    title: `Leadsin body sent${by}`,
    body: first.body,
    empty: 'Sent before leadgate last started: the body is not in memory (the sandbox page lists it).',
  };
}

/** Whether the duplicate is the sent lead's own queue message, received again (an SQS redelivery). */
function sameMessage(attempt: ObservedAttempt, first: FirstDelivery): boolean {
  if (first.leadId !== attempt.envelope?.id) return false;
  return first.messageId === undefined || first.messageId === attempt.messageId;
}
