import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context, SQSRecord } from 'aws-lambda';
import { type LeadResolver, UNROUTED_SOURCE_ID, type WebhookRouter } from '#shared/channels/channel.ts';
import { retryDelaySeconds } from '#shared/delivery/backoff.ts';
import type { Envelope, LeadInput } from '#shared/envelope.ts';
import { checkEnvelope } from '#shared/envelope-check.ts';
import { sendOnce } from '#shared/idempotency/send-once.ts';
import { deliveryMappers } from '#shared/mapping/mappers.ts';
import type { OnpipelineClient } from '#shared/onpipeline/client.ts';
import { OnpipelineRequestError } from '#shared/onpipeline/client.ts';
import type { CustomFieldNames } from '#shared/onpipeline/custom-fields.ts';
import type { DeliveryOutcome } from '#shared/onpipeline/outcome.ts';
import type { LeadsinBody } from '#shared/onpipeline/schema.ts';
import type { LeadQueue } from '#shared/queue/client.ts';
import { dlqAttributeNames } from '#shared/queue/definition.ts';
import { configVersionOf, refreshSources } from '#shared/sources/appconfig.ts';
import type { SourceRegistry } from '#shared/sources/registry.ts';
import type { Channel } from '#shared/sources/schema.ts';
import { count, leadValues, logger, redact } from '#shared/telemetry.ts';

export interface DeliveryDeps {
  sources: SourceRegistry;
  onpipeline: OnpipelineClient;
  customFields: CustomFieldNames;
  queue: LeadQueue;
  /**
   * Seam for the backoff policy; default `retryDelaySeconds`. May answer a promise (the one-machine
   * runtime asks a test's policy on another thread: docs/architecture.md, "One machine: threads").
   */
  retryDelay?: (options: Parameters<typeof retryDelaySeconds>[0]) => number | Promise<number>;
  /** Fetch-by-id channels: how to get a lead's fields from Meta's Graph API or LinkedIn. */
  resolvers?: Partial<Record<'meta' | 'linkedin', LeadResolver>>;
  /** Webhook channels: how to find the source of an envelope captured as unrouted. */
  routers?: Partial<Record<Channel, WebhookRouter>>;
  /** Where delivered dedupe keys are recorded (DynamoDB on AWS, SQLite on one machine). */
  idempotency?: BasePersistenceLayer;
  /** Told of every attempt's outcome (the one-machine dashboard keeps the recent ones). */
  observe?: (attempt: DeliveryAttempt) => void;
}

/** One delivery attempt as an observer sees it; `body` is the exact Leadsin body sent, when one was. */
export interface DeliveryAttempt {
  at: string;
  messageId: string;
  envelope: Envelope | undefined;
  outcome: Attempted;
  body: LeadsinBody | undefined;
  attempt: number;
}

/** An outcome with how it came about: replayed from the idempotency record, or from a lead fetch. */
type Attempted = DeliveryOutcome & { replayed?: boolean; fetchedFrom?: 'meta' | 'linkedin' };

/** Thrown for a lead that should be tried again later: the batch reports it as a failed item. */
export class RetryLaterError extends Error {
  readonly outcome: DeliveryOutcome;
  constructor(outcome: DeliveryOutcome) {
    super(`retry later: ${outcome.kind}: ${'message' in outcome ? outcome.message : ''}`.slice(0, 300));
    this.name = 'RetryLaterError';
    this.outcome = outcome;
  }
}

type Parked = { kind: 'permanent'; reason: string; message: string; status?: number };

/**
 * Delivers one SQS record: envelope → current source config → mapping → Leadsin → outcome.
 * Delivered and duplicate leads are done; permanent failures are parked on `leads-dlq` with their
 * reason (and leave `leads`); anything retryable throws `RetryLaterError` after setting the message's
 * visibility to the backoff delay, so SQS offers it again later.
 *
 * @example
 * const delivery = leadDelivery(deps);
 * await processPartialResponse(event, delivery.deliver, processor);
 */
export function leadDelivery(deps: DeliveryDeps) {
  const mappers = deliveryMappers(deps.customFields);
  const retryDelay = deps.retryDelay ?? retryDelaySeconds;
  const once = deps.idempotency
    ? sendOnce(deps.idempotency, (body) => deps.onpipeline.sendLead(body))
    : undefined;
  const send =
    once ??
    (async (_key: string, body: LeadsinBody) => ({
      outcome: await deps.onpipeline.sendLead(body),
      replayed: false,
    }));

  async function attempt(
    envelope: Envelope,
    sent: { body?: LeadsinBody; configVersion?: string },
    context?: Context,
  ): Promise<Attempted> {
    // A key delivered before is done: checked first, so a replayed notification costs no Graph or
    // LinkedIn fetch, no mapping and no Onpipeline call.
    const earlier = await once?.delivered(envelope.dedupeKey);
    if (earlier) return { ...earlier, replayed: true };
    // the configuration current now maps the lead (AppConfig: polled when due); its version is read
    // in the same synchronous step as the source, so it is the one that mapped it
    await refreshSources(deps.sources);
    sent.configVersion = configVersionOf(deps.sources);
    const source =
      envelope.sourceId === UNROUTED_SOURCE_ID
        ? deps.routers?.[envelope.channel]?.(envelope, deps.sources)
        : deps.sources.get(envelope.sourceId);
    if (!source) {
      return envelope.sourceId === UNROUTED_SOURCE_ID
        ? {
            kind: 'permanent',
            reason: 'unrouted',
            message: `no ${envelope.channel} source matches this lead`,
          }
        : {
            kind: 'permanent',
            reason: 'unknown_source',
            message: `no source "${envelope.sourceId}" is configured`,
          };
    }
    let input: LeadInput =
      envelope.sourceId === UNROUTED_SOURCE_ID
        ? { fields: envelope.fields, context: { ...envelope.context, source: source.id } }
        : envelope;
    if (envelope.fetch) {
      const resolver = deps.resolvers?.[envelope.fetch.provider];
      if (!resolver) {
        return { kind: 'configuration', message: `no ${envelope.fetch.provider} lead fetcher is configured` };
      }
      const resolved = await resolver(envelope, source);
      if (!resolved.ok) return { ...resolved.outcome, fetchedFrom: envelope.fetch.provider };
      input = { fields: resolved.fields, context: { ...input.context, ...resolved.context } };
    }
    let mapper: Awaited<ReturnType<typeof mappers.for>>;
    try {
      mapper = await mappers.for(source);
    } catch (error) {
      if (error instanceof OnpipelineRequestError) return error.outcome;
      throw error;
    }
    const mapped = mapper(input);
    if (!mapped.ok) {
      return {
        kind: 'permanent',
        reason: 'mapping_failed',
        message: Object.entries(mapped.errors)
          .map(([field, problem]) => `${field}: ${problem}`)
          .join('; '),
      };
    }
    sent.body = mapped.body;
    const { outcome, replayed } = await send(envelope.dedupeKey, mapped.body, context);
    return { ...outcome, replayed };
  }

  /** Parks a lead on the DLQ; `message` (Onpipeline's text, a mapping error) is redacted like a log line. */
  async function park(
    record: SQSRecord,
    envelope: Envelope | undefined,
    outcome: Parked,
    values: string[],
    configVersion: string | undefined,
  ): Promise<void> {
    const attempts = record.attributes.ApproximateReceiveCount ?? '1';
    const firstAttempt = record.attributes.ApproximateFirstReceiveTimestamp;
    await deps.queue.deadLetter(record.body, {
      [dlqAttributeNames.reason]: outcome.reason,
      [dlqAttributeNames.status]: outcome.status === undefined ? '' : String(outcome.status),
      [dlqAttributeNames.message]: redact(outcome.message, values),
      [dlqAttributeNames.source]: envelope?.sourceId ?? record.messageAttributes?.source?.stringValue ?? '',
      [dlqAttributeNames.attempts]: attempts,
      [dlqAttributeNames.firstAttemptAt]: firstAttempt ? new Date(Number(firstAttempt)).toISOString() : '',
      [dlqAttributeNames.lastAttemptAt]: new Date().toISOString(),
      [dlqAttributeNames.configVersion]: configVersion ?? '',
    });
  }

  return {
    /** The record handler for Powertools' batch processor. */
    deliver: async (record: SQSRecord, context?: Context): Promise<void> => {
      const started = performance.now();
      const parsed = safeEnvelope(record.body);
      const envelope = parsed.success ? parsed.envelope : undefined;
      const sent: { body?: LeadsinBody; configVersion?: string } = {};
      const outcome: Attempted = envelope
        ? await attempt(envelope, sent, context)
        : { kind: 'permanent', reason: 'invalid_envelope', message: parsed.success ? '' : parsed.message };
      // the lead's own values (input and mapped): masked in any message about it (logs, DLQ)
      const values = leadValues(envelope?.fields, sent.body);
      const log = {
        leadId: envelope?.id,
        sourceId: envelope?.sourceId,
        outcome: outcome.kind,
        status: 'status' in outcome ? outcome.status : undefined,
        attempt: Number(record.attributes.ApproximateReceiveCount ?? '1'),
        configVersion: sent.configVersion,
        durationMs: Math.round(performance.now() - started),
      };
      count(`delivery_${outcome.kind}`);
      deps.observe?.({
        at: new Date().toISOString(),
        messageId: record.messageId,
        envelope,
        outcome,
        body: sent.body,
        attempt: log.attempt,
      });
      switch (outcome.kind) {
        case 'delivered':
          if (outcome.replayed) {
            count('delivery_deduplicated');
            logger.info('lead was already delivered: not sent again', {
              ...log,
              onpipelineLeadId: outcome.leadId,
            });
          } else logger.info('lead delivered', { ...log, onpipelineLeadId: outcome.leadId });
          return;
        case 'duplicate':
          logger.info('lead already in Onpipeline (409): treated as delivered', log);
          return;
        case 'permanent':
          await park(record, envelope, outcome, values, sent.configVersion);
          logger.warn('lead dead-lettered', {
            ...log,
            reason: outcome.reason,
            detail: redact(outcome.message, values),
          });
          return;
        case 'configuration':
        case 'transient': {
          const delay = await retryDelay({
            receiveCount: log.attempt,
            kind: outcome.kind,
            retryAfterSeconds: outcome.kind === 'transient' ? outcome.retryAfterSeconds : undefined,
          });
          if (outcome.kind === 'configuration') {
            const where = outcome.fetchedFrom ? `${outcome.fetchedFrom}_fetch` : 'onpipeline';
            count(`${where}_configuration`);
            logger.error(
              `${where}_configuration: check the ${outcome.fetchedFrom ?? 'Onpipeline'} token, permissions and URL`,
              {
                ...log,
                detail: redact(outcome.message, values),
              },
            );
          } else {
            if (outcome.ambiguous) count('delivery_ambiguous');
            logger.warn('lead delivery failed; will retry', {
              ...log,
              detail: redact(outcome.message, values),
              ambiguous: outcome.ambiguous,
              retryInSeconds: delay,
            });
          }
          await deps.queue.delay(record.receiptHandle, delay).catch((error: unknown) => {
            logger.warn('could not set the retry delay; SQS visibility timeout applies', {
              leadId: log.leadId,
              error: String(error).slice(0, 200),
            });
          });
          throw new RetryLaterError(outcome);
        }
      }
    },
  };
}

function safeEnvelope(
  body: string,
): { success: true; envelope: Envelope } | { success: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { success: false, message: 'message body is not JSON' };
  }
  const checked = checkEnvelope(json);
  if (!checked.success) return { success: false, message: `not a lead envelope: ${checked.message}` };
  // keep the original field map (on a null prototype) so names such as __proto__ survive
  return { success: true, envelope: { ...checked.envelope, fields: nullProto((json as Envelope).fields) } };
}

function nullProto(fields: Envelope['fields']): Envelope['fields'] {
  return Object.assign(Object.create(null), fields);
}
