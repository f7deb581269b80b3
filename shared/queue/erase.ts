import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type Envelope, envelopeSchema } from '#shared/envelope.ts';

/** What one sweep of a queue found and removed (message ids only, never a field value). */
export interface SweepResult {
  scanned: number;
  /** Message ids of the deleted envelopes. */
  removed: string[];
  /** True when the queue ran dry before `maxMessages` or the deadline. */
  complete: boolean;
}

/** SQS's longest visibility timeout (12 hours). */
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Receives every message of a queue, deletes the envelopes `matches` selects and gives every other
 * message back untouched (ChangeMessageVisibility to 0; on the embedded queue pass `localSqs(sqs)`,
 * which makes that 1 s). Messages are held while the sweep goes on, so each is looked at once; the hold
 * lasts until the deadline (plus a margin), so even an interrupted sweep returns them by then. Bounded:
 * at most `maxMessages` received, and nothing received after `deadline` (epoch ms). Receives count
 * towards the queue's `maxReceiveCount` like any other. Used by `leadgate erase`
 * (docs/operations.md, "Erasure (GDPR)").
 *
 * @example
 * const { removed } = await sweepQueue(sqs, leadsUrl, { matches, maxMessages: 10_000, deadline: Date.now() + 60_000 });
 */
export async function sweepQueue(
  sqs: SQSClient,
  queueUrl: string,
  options: {
    matches: (envelope: Envelope) => boolean;
    maxMessages: number;
    deadline: number;
    onProgress?: (progress: { scanned: number; removed: number }) => void;
  },
): Promise<SweepResult> {
  const held: Message[] = [];
  const seen = new Set<string>();
  const removed: string[] = [];
  let scanned = 0;
  let complete = false;
  try {
    while (scanned < options.maxMessages) {
      const left = options.deadline - Date.now();
      if (left <= 0) break;
      const hold = Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(left / 1000) + 30);
      const batch =
        (
          await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: Math.min(10, options.maxMessages - scanned),
              VisibilityTimeout: hold,
              WaitTimeSeconds: 1,
            }),
          )
        ).Messages ?? [];
      if (batch.length === 0) {
        complete = true;
        break;
      }
      const chosen: Message[] = [];
      for (const message of batch) {
        const id = message.MessageId as string;
        if (!seen.has(id)) scanned++;
        seen.add(id);
        const envelope = parse(message.Body);
        if (envelope && options.matches(envelope)) chosen.push(message);
        else held.push(message);
      }
      if (chosen.length > 0) {
        const answer = await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chosen.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
            })),
          }),
        );
        const failed = (answer.Failed ?? []).length;
        if (failed > 0) throw new Error(`${failed} matching messages could not be deleted; run erase again`);
        for (const message of chosen) {
          const id = message.MessageId as string;
          if (!removed.includes(id)) removed.push(id);
        }
      }
      options.onProgress?.({ scanned, removed: removed.length });
    }
  } finally {
    await giveBack(sqs, queueUrl, held).catch(() => undefined);
  }
  return { scanned, removed, complete };
}

async function giveBack(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  for (let start = 0; start < messages.length; start += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.slice(start, start + 10).map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

function parse(body: string | undefined): Envelope | undefined {
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(body ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
