import {
  ChangeMessageVisibilityCommand,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { env, setting } from '#shared/config.ts';
import type { Envelope } from '#shared/envelope.ts';
import { leadsQueue } from '#shared/queue/definition.ts';

/**
 * The queue operations leadgate's functions perform, over the AWS SDK. On one machine the same
 * client points at the embedded queue through `SQS_ENDPOINT`.
 *
 * @example
 * const queue = leadQueue({ sqs: sqsClient(), leadsUrl, deadLetterUrl });
 * await queue.enqueue(envelope);
 */
export interface LeadQueue {
  /** Puts a lead on `leads`; resolves only once SQS has accepted (stored) it. */
  enqueue(envelope: Envelope): Promise<void>;
  /** Parks a lead's original message body on `leads-dlq` with reason attributes. */
  deadLetter(body: string, attributes: Record<string, string>): Promise<void>;
  /** Hides a received message for `seconds` more (backoff before the next attempt). */
  delay(receiptHandle: string, seconds: number): Promise<void>;
}

export interface LeadQueueOptions {
  sqs: SQSClient;
  leadsUrl: string;
  deadLetterUrl: string;
  /**
   * Real seconds per second of the retry schedule; default 1 (AWS: always 1). The one-machine
   * runtime may compress time (e.g. 1/2000: a day of backoff in 43 s); the embedded queue takes
   * fractional visibility timeouts, SQS does not.
   */
  timeScale?: number;
}

/** An SQS client for this environment: the embedded queue when `SQS_ENDPOINT` is set, else AWS. */
export function sqsClient(endpoint = setting(env.sqsEndpoint)): SQSClient {
  if (!endpoint) return new SQSClient({});
  return new SQSClient({
    endpoint,
    region: setting('AWS_REGION', 'us-east-1'),
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/**
 * leadgate's queue operations. `enqueue` calls made in the same event-loop turn (the leads of one Meta
 * notification or partner batch; on one machine, concurrent requests) leave as one `SendMessageBatch`
 * of up to 10, and a lone lead as a plain `SendMessage`; each caller still resolves only once SQS
 * has stored its own message, and fails alone if SQS refuses its entry.
 */
export function leadQueue(options: LeadQueueOptions): LeadQueue {
  const { sqs, leadsUrl, deadLetterUrl } = options;
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0 && timeScale <= 1)) throw new RangeError('timeScale must be above 0 and at most 1');
  const send = coalescedSender(sqs, leadsUrl);
  return {
    async enqueue(envelope) {
      const body = queueSafeJson(envelope);
      const attributes = { source: text(envelope.sourceId), channel: text(envelope.channel) };
      const size = messageSize(body, attributes);
      if (size > leadsQueue.maximumMessageSizeBytes) throw new MessageTooLargeError();
      await send(body, attributes, size);
    },
    async deadLetter(body, attributes) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: deadLetterUrl,
          MessageBody: body,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes)
              .filter(([, value]) => value !== '')
              .map(([name, value]) => [name, text(queueSafeText(value.slice(0, 1000)))]),
          ),
        }),
      );
    },
    async delay(receiptHandle, seconds) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: leadsUrl,
          ReceiptHandle: receiptHandle,
          // SQS's limits (1 s .. 12 h) apply to the schedule; only then is it compressed
          VisibilityTimeout: Math.max(1, Math.min(43_200, Math.round(seconds))) * timeScale,
        }),
      );
    },
  };
}

/** SQS's batch limits: at most 10 entries, and all of them together no larger than one message may be. */
const MAX_BATCH_ENTRIES = 10;

interface PendingMessage {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Sends messages to one queue, gathering those sent in the same event-loop turn (flushed by
 * `setImmediate`, or as soon as a batch is full) into `SendMessageBatch` calls.
 */
function coalescedSender(sqs: SQSClient, queueUrl: string) {
  let pending: PendingMessage[] = [];
  let pendingBytes = 0;
  let scheduled = false;

  const flush = () => {
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    if (batch.length > 0) void sendBatch(batch);
  };

  const sendBatch = async (batch: PendingMessage[]) => {
    const [only] = batch;
    if (batch.length === 1 && only) {
      try {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: only.body,
            MessageAttributes: only.attributes,
          }),
        );
        only.resolve();
      } catch (error) {
        only.reject(error);
      }
      return;
    }
    try {
      const answer = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((message, index) => ({
            Id: String(index),
            MessageBody: message.body,
            MessageAttributes: message.attributes,
          })),
        }),
      );
      const stored = new Set((answer.Successful ?? []).map((entry) => entry.Id));
      const refused = new Map((answer.Failed ?? []).map((entry) => [entry.Id, entry]));
      batch.forEach((message, index) => {
        const id = String(index);
        const failure = refused.get(id);
        if (stored.has(id)) message.resolve();
        else
          message.reject(
            new Error(
              failure
                ? `SendMessageBatch entry refused: ${failure.Code ?? 'unknown'}: ${failure.Message ?? ''}`
                : 'SendMessageBatch answered without this entry',
            ),
          );
      });
    } catch (error) {
      for (const message of batch) message.reject(error);
    }
  };

  return (body: string, attributes: Record<string, MessageAttributeValue>, size: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (pending.length > 0 && pendingBytes + size > leadsQueue.maximumMessageSizeBytes) flush();
      pending.push({ body, attributes, resolve, reject });
      pendingBytes += size;
      if (pending.length >= MAX_BATCH_ENTRIES) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          flush();
        });
      }
    });
}

/** A message's size as SQS counts it against its limit: body plus attribute names, types and values. */
function messageSize(body: string, attributes: Record<string, MessageAttributeValue>): number {
  let size = Buffer.byteLength(body);
  for (const [name, value] of Object.entries(attributes)) {
    size +=
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? '');
  }
  return size;
}

function text(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}

/** The lead, once serialised, is larger than an SQS message may be. */
export class MessageTooLargeError extends Error {
  readonly code = 'message_too_large';
  constructor() {
    super(`the lead is larger than ${leadsQueue.maximumMessageSizeBytes} bytes once stored`);
    this.name = 'MessageTooLargeError';
  }
}

/**
 * JSON that SQS accepts: characters SQS refuses (U+FFFE, U+FFFF, most control characters) and, for
 * the embedded queue, every character outside the Basic Multilingual Plane are written as `\uXXXX`
 * escapes. The JSON value is exactly the same.
 *
 * @example
 * queueSafeJson({ name: 'Zoë 😀' }); // '{"name":"Zoë \\ud83d\\ude00"}'
 */
export function queueSafeJson(value: unknown): string {
  return queueSafeText(JSON.stringify(value));
}

/**
 * Text SQS accepts in a body or string attribute: the characters `queueSafeJson` escapes (and the
 * halves of a pair cut apart) become visible `\uXXXX` escapes, e.g. in a DLQ reason's message.
 *
 * @example
 * queueSafeText('bad\u0000value'); // 'bad\\u0000value'
 */
export function queueSafeText(text: string): string {
  return text.replace(
    /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
