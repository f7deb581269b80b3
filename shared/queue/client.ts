import {
  ChangeMessageVisibilityCommand,
  type MessageAttributeValue,
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

export function leadQueue(options: LeadQueueOptions): LeadQueue {
  const { sqs, leadsUrl, deadLetterUrl } = options;
  return {
    async enqueue(envelope) {
      const body = queueSafeJson(envelope);
      if (Buffer.byteLength(body) > leadsQueue.maximumMessageSizeBytes) throw new MessageTooLargeError();
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: leadsUrl,
          MessageBody: body,
          MessageAttributes: {
            source: text(envelope.sourceId),
            channel: text(envelope.channel),
          },
        }),
      );
    },
    async deadLetter(body, attributes) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: deadLetterUrl,
          MessageBody: body,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes)
              .filter(([, value]) => value !== '')
              .map(([name, value]) => [name, text(value.slice(0, 1000))]),
          ),
        }),
      );
    },
    async delay(receiptHandle, seconds) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: leadsUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: Math.max(1, Math.min(43_200, Math.round(seconds))),
        }),
      );
    },
  };
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
  return JSON.stringify(value).replace(
    /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
