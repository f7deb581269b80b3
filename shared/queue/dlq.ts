import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { type Envelope, envelopeSchema } from '#shared/envelope.ts';
import { leadsQueue } from '#shared/queue/definition.ts';
import { queueDepth } from '#shared/queue/depth.ts';

/** A lead parked in `leads-dlq`, as the CLI and the dashboard show it (no field values). */
export interface DeadLetter {
  messageId: string;
  leadId: string | undefined;
  sourceId: string | undefined;
  channel: string | undefined;
  receivedAt: string | undefined;
  reason: string;
  status: string | undefined;
  message: string | undefined;
  attempts: string | undefined;
  firstAttemptAt: string | undefined;
  lastAttemptAt: string | undefined;
  /** The source configuration version that mapped the lead (`bundled`, or a published version). */
  configVersion?: string | undefined;
  envelope: Envelope | undefined;
}

export interface DeadLetterQueue {
  /** How many leads wait in the DLQ (approximate, as SQS counts). */
  depth(): Promise<{ visible: number; inFlight: number }>;
  /** Reads up to `max` parked leads without removing them (they stay visible to others within seconds). */
  list(max?: number): Promise<DeadLetter[]>;
  /**
   * Moves parked leads back to `leads` (receive → send → delete, in batches of 10) so deliver tries them
   * again with the current source config; `filter` picks which. Reports progress after each batch.
   */
  redrive(options?: {
    filter?: (letter: DeadLetter) => boolean;
    max?: number;
    onProgress?: (progress: { moved: number; skipped: number }) => void;
  }): Promise<{ moved: number; skipped: number }>;
  /** On AWS: SQS's own StartMessageMoveTask (moves everything back to the source queue). */
  startMoveTask(dlqArn: string, leadsArn: string): Promise<string | undefined>;
}

/**
 * Operations on `leads-dlq`.
 *
 * @example
 * const dlq = deadLetterQueue(sqs, { leadsUrl, deadLetterUrl });
 * const { moved } = await dlq.redrive({ onProgress: (p) => console.log(p.moved) });
 */
export function deadLetterQueue(
  sqs: SQSClient,
  urls: { leadsUrl: string; deadLetterUrl: string },
): DeadLetterQueue {
  const receive = async (visibility: number, max = 10) =>
    (
      await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: urls.deadLetterUrl,
          MaxNumberOfMessages: Math.min(10, max),
          VisibilityTimeout: visibility,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      )
    ).Messages ?? [];

  const release = async (messages: Message[]) => {
    for (let start = 0; start < messages.length; start += 10) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: urls.deadLetterUrl,
          Entries: messages.slice(start, start + 10).map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
            // 1 s, not 0: the embedded queue (fauxqs 2.4) loses a message made visible with 0 when persisted.
            VisibilityTimeout: 1,
          })),
        }),
      );
    }
  };

  return {
    depth() {
      return queueDepth(sqs, urls.deadLetterUrl, { delayed: false });
    },

    async list(max = 100) {
      const seen = new Map<string, DeadLetter>();
      const held: Message[] = [];
      try {
        while (seen.size < max) {
          const batch = await receive(30, max - seen.size);
          if (batch.length === 0) break;
          held.push(...batch);
          let fresh = 0;
          for (const message of batch) {
            if (seen.has(message.MessageId as string)) continue;
            seen.set(message.MessageId as string, describe(message));
            fresh++;
          }
          if (fresh === 0) break;
        }
      } finally {
        await release(held);
      }
      return [...seen.values()];
    },

    async redrive(options = {}) {
      let moved = 0;
      let skipped = 0;
      const skippedMessages: Message[] = [];
      const max = options.max ?? Number.POSITIVE_INFINITY;
      try {
        while (moved < max) {
          let batch = await receive(60, max - moved);
          // Leads someone just looked at (list) are hidden for a moment: wait for them, briefly.
          for (
            let wait = 0;
            batch.length === 0 && wait < 3 && (await this.depth()).inFlight > skippedMessages.length;
            wait++
          ) {
            await new Promise((resolve) => setTimeout(resolve, 1000));
            batch = await receive(60, max - moved);
          }
          if (batch.length === 0) break;
          const chosen = batch.filter((message) => !options.filter || options.filter(describe(message)));
          const others = batch.filter((message) => !chosen.includes(message));
          skippedMessages.push(...others);
          skipped += others.length;
          if (chosen.length > 0) {
            const sent = await sqs.send(
              new SendMessageBatchCommand({
                QueueUrl: urls.leadsUrl,
                Entries: chosen.map((message, index) => ({
                  Id: String(index),
                  MessageBody: message.Body ?? '',
                  MessageAttributes: {
                    ...(message.MessageAttributes?.source
                      ? { source: message.MessageAttributes.source }
                      : {}),
                    redriven: { DataType: 'String', StringValue: new Date().toISOString() },
                  },
                })),
              }),
            );
            const ok = new Set((sent.Successful ?? []).map((entry) => Number(entry.Id)));
            const done = chosen.filter((_, index) => ok.has(index));
            if (done.length > 0) {
              await sqs.send(
                new DeleteMessageBatchCommand({
                  QueueUrl: urls.deadLetterUrl,
                  Entries: done.map((message, index) => ({
                    Id: String(index),
                    ReceiptHandle: message.ReceiptHandle,
                  })),
                }),
              );
            }
            moved += done.length;
            if (done.length < chosen.length) {
              skippedMessages.push(...chosen.filter((_, index) => !ok.has(index)));
              throw new Error(
                `${chosen.length - done.length} leads could not be sent back to the leads queue`,
              );
            }
          }
          options.onProgress?.({ moved, skipped });
          if (chosen.length === 0 && skippedMessages.length >= 1000) break;
        }
      } finally {
        await release(skippedMessages).catch(() => undefined);
      }
      return { moved, skipped };
    },

    async startMoveTask(dlqArn, leadsArn) {
      const answer = await sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: leadsArn }),
      );
      return answer.TaskHandle;
    },
  };
}

/** A DLQ message described for people: reason attributes and the envelope's ids (no field values). */
export function describe(message: Message): DeadLetter {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  let envelope: Envelope | undefined;
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(message.Body ?? ''));
    envelope = parsed.success ? parsed.data : undefined;
  } catch {
    envelope = undefined;
  }
  return {
    messageId: message.MessageId as string,
    leadId: envelope?.id,
    sourceId: envelope?.sourceId ?? attribute('source'),
    channel: envelope?.channel,
    receivedAt: envelope?.receivedAt,
    reason: attribute('reason') ?? 'max_receives_exceeded',
    status: attribute('status'),
    message: attribute('message'),
    // A lead SQS moved by the redrive policy carries no attributes; its receive count keeps growing with
    // every look into the DLQ (each list is a receive), but it was tried exactly maxReceiveCount times.
    attempts:
      attribute('attempts') ??
      (attribute('reason') === undefined
        ? String(leadsQueue.maxReceiveCount)
        : message.Attributes?.ApproximateReceiveCount),
    firstAttemptAt: attribute('firstAttemptAt'),
    lastAttemptAt: attribute('lastAttemptAt'),
    ...(attribute('configVersion') === undefined ? {} : { configVersion: attribute('configVersion') }),
    envelope,
  };
}
