import {
  ChangeMessageVisibilityCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { env, setting } from '#shared/config.ts';
import type { Envelope } from '#shared/envelope.ts';

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
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: leadsUrl,
          MessageBody: JSON.stringify(envelope),
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
