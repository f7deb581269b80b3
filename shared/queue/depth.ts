import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Leads waiting in a queue, as SQS counts them (approximate). */
export interface QueueDepth {
  /** Waiting to be received. */
  visible: number;
  /** Received and being worked on, or (unless `delayed: false`) waiting out a retry delay. */
  inFlight: number;
}

/**
 * The one queue-depth reader (`leadgate status`, the dashboard, `dlq`): visible and in-flight counts
 * of a queue. Delayed messages (retries waiting out their backoff) count as in flight unless
 * `delayed: false`.
 *
 * @example
 * const { visible, inFlight } = await queueDepth(sqs, deadLetterUrl);
 */
export async function queueDepth(
  sqs: Pick<SQSClient, 'send'>,
  url: string,
  options: { delayed?: boolean } = {},
): Promise<QueueDepth> {
  const delayed = options.delayed ?? true;
  const answer = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        ...(delayed ? (['ApproximateNumberOfMessagesDelayed'] as const) : []),
      ],
    }),
  );
  const number = (value: string | undefined) => Number(value ?? 0);
  const attributes = answer.Attributes ?? {};
  return {
    visible: number(attributes.ApproximateNumberOfMessages),
    inFlight:
      number(attributes.ApproximateNumberOfMessagesNotVisible) +
      (delayed ? number(attributes.ApproximateNumberOfMessagesDelayed) : 0),
  };
}
