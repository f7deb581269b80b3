import type { DashboardContext } from '#local/dashboard/context.ts';
import type { ObservedAttempt } from '#local/dashboard/deliveries.ts';
import type { DeliveryOutcome } from '#shared/onpipeline/outcome.ts';
import { type QueueDepth, queueDepth } from '#shared/queue/depth.ts';
import { redact } from '#shared/telemetry.ts';

export type { QueueDepth } from '#shared/queue/depth.ts';

/** One delivery attempt without personal data: ids, outcome and Onpipeline's (redacted) answer. */
export interface AttemptSummary {
  at: string;
  messageId: string;
  leadId: string | undefined;
  sourceId: string | undefined;
  channel: string | undefined;
  outcome: DeliveryOutcome['kind'];
  status: number | undefined;
  reason: string | undefined;
  message: string | undefined;
  onpipelineLeadId: string | undefined;
  attempt: number;
  replayed: boolean;
  /** For a lead not sent because its dedupe key was delivered before: the lead id that was sent, if known. */
  duplicateOf?: string | undefined;
  test: boolean;
}

/**
 * `GET /_local/status`: what `leadgate status` and the dashboard's live counters show. No field
 * values, names, e-mails or phone numbers: Onpipeline's messages are redacted.
 */
export interface LocalStatus {
  generatedAt: string;
  /** Queue depths, or why they could not be read (the embedded queue is down). */
  queues: { leads: QueueDepth; deadLetter: QueueDepth } | { error: string };
  recent: {
    /** Attempts remembered by the runtime (at most its limit). */
    total: number;
    byOutcome: Partial<Record<DeliveryOutcome['kind'], number>>;
    /** Of those, attempts not sent because their dedupe key was delivered before (counted as delivered). */
    deduplicated: number;
    /** The newest attempts, newest first. */
    attempts: AttemptSummary[];
  };
  sandboxUrl: string | undefined;
}

/** A delivery attempt as a summary (see `AttemptSummary`). */
export function summarize(attempt: ObservedAttempt): AttemptSummary {
  const outcome = attempt.outcome;
  return {
    at: attempt.at,
    messageId: attempt.messageId,
    leadId: attempt.envelope?.id,
    sourceId: attempt.envelope?.sourceId,
    channel: attempt.envelope?.channel,
    outcome: outcome.kind,
    status: 'status' in outcome ? outcome.status : undefined,
    reason: outcome.kind === 'permanent' ? outcome.reason : undefined,
    message: 'message' in outcome && outcome.message ? redact(outcome.message).slice(0, 500) : undefined,
    onpipelineLeadId: outcome.kind === 'delivered' ? outcome.leadId : undefined,
    attempt: attempt.attempt,
    replayed: outcome.replayed === true,
    ...(attempt.duplicateOf?.leadId && attempt.duplicateOf.leadId !== attempt.envelope?.id
      ? { duplicateOf: attempt.duplicateOf.leadId }
      : {}),
    test: attempt.envelope?.test === true,
  };
}

function depth(context: DashboardContext, url: string): Promise<QueueDepth> {
  return queueDepth(context.sqs, url);
}

/**
 * Collects the runtime's status: queue depths (bounded wait, so a stopped queue does not hang the
 * dashboard) and the recent delivery outcomes.
 *
 * @example
 * const status = await localStatus(context); // status.queues.deadLetter.visible
 */
export async function localStatus(context: DashboardContext, limit = 50): Promise<LocalStatus> {
  const attempts = context.recentAttempts();
  const byOutcome: LocalStatus['recent']['byOutcome'] = {};
  let deduplicated = 0;
  for (const attempt of attempts) {
    byOutcome[attempt.outcome.kind] = (byOutcome[attempt.outcome.kind] ?? 0) + 1;
    if (attempt.outcome.replayed) deduplicated++;
  }
  let queues: LocalStatus['queues'];
  try {
    const [leads, deadLetter] = await withTimeout(
      Promise.all([
        depth(context, context.queueUrls.leadsUrl),
        depth(context, context.queueUrls.deadLetterUrl),
      ]),
      3000,
    );
    queues = { leads, deadLetter };
  } catch {
    queues = { error: 'the embedded queue does not answer' };
  }
  return {
    generatedAt: new Date().toISOString(),
    queues,
    recent: {
      total: attempts.length,
      byOutcome,
      deduplicated,
      attempts: attempts.slice(0, limit).map(summarize),
    },
    sandboxUrl: context.sandboxUrl,
  };
}

/** Rejects when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
