import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DELIVER_BATCH_SIZE, DELIVER_TIMEOUT_SECONDS } from '#shared/queue/definition.ts';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsHandler;
  region?: string;
  batchSize?: number;
  /** Long-poll wait; default 20 s (stopping interrupts it). */
  waitTimeSeconds?: number;
  /** The timeout the handler's Lambda context reports (idempotency's in-progress expiry); default 30 s. */
  contextTimeoutSeconds?: number;
  /** Called after each batch with how many records succeeded and failed. */
  onBatch?: (result: { received: number; failed: number }) => void;
  /** Called when a receive or a delete failed (counted in `stats().errors`). */
  onError?: () => void;
}

export interface PollerStats {
  batches: number;
  received: number;
  failed: number;
  errors: number;
}

export interface Poller {
  stop(): Promise<void>;
  stats(): PollerStats;
}

/**
 * Plays the Lambda SQS trigger on one machine: long-polls the queue, hands the deliver handler a real
 * `SQSEvent` of up to 10 records, deletes only the records not listed in `batchItemFailures` (all of
 * them stay when the handler throws) and leaves the rest to reappear after their visibility timeout.
 *
 * @example
 * const poller = startPoller({ sqs, queueUrl, queueArn, handler });
 * await poller.stop();
 */
export function startPoller(options: PollerOptions): Poller {
  const abort = new AbortController();
  const stats = { batches: 0, received: 0, failed: 0, errors: 0 };
  const region = options.region ?? 'us-east-1';
  const loop = (async () => {
    while (!abort.signal.aborted) {
      let messages: Message[];
      try {
        const answer = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize ?? DELIVER_BATCH_SIZE,
            WaitTimeSeconds: options.waitTimeSeconds ?? 20,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = answer.Messages ?? [];
      } catch (error) {
        if (abort.signal.aborted) break;
        stats.errors++;
        options.onError?.();
        await sleep(1000, abort.signal);
        void error;
        continue;
      }
      if (messages.length === 0) continue;
      const event: SQSEvent = {
        Records: messages.map((message) => toRecord(message, options.queueArn, region)),
      };
      let failedIds: Set<string>;
      try {
        const response = await options.handler(
          event,
          lambdaContext('leadgate-deliver', options.contextTimeoutSeconds),
        );
        failedIds = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      } catch {
        failedIds = new Set(event.Records.map((record) => record.messageId));
      }
      const done = messages.filter((message) => !failedIds.has(message.MessageId as string));
      if (done.length > 0) {
        await options.sqs
          .send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle,
              })),
            }),
          )
          .catch(() => {
            stats.errors++;
            options.onError?.();
          });
      }
      stats.batches++;
      stats.received += messages.length;
      stats.failed += failedIds.size;
      options.onBatch?.({ received: messages.length, failed: failedIds.size });
    }
  })();
  return {
    async stop() {
      abort.abort();
      await loop;
    },
    stats: () => ({ ...stats }),
  };
}

/** An SQS message as the Lambda event source mapping presents it. */
export function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId as string,
    receiptHandle: message.ReceiptHandle as string,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        toRecordAttribute(value),
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function toRecordAttribute(value: MessageAttributeValue): SQSRecord['messageAttributes'][string] {
  return {
    dataType: value.DataType ?? 'String',
    ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
    ...(value.BinaryValue === undefined
      ? {}
      : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map((item) => Buffer.from(item).toString('base64')),
  };
}

let invocation = 0;
/** A Lambda context for local invocations. */
export function lambdaContext(
  functionName = 'leadgate-deliver',
  timeoutSeconds = DELIVER_TIMEOUT_SECONDS,
): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const requestId = `local-${process.pid}-${++invocation}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
