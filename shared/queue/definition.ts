/**
 * The one definition of leadgate's queues. The CDK stack and the one-machine runtime both build
 * `leads` and `leads-dlq` from these numbers, so what is tested locally is what runs on AWS.
 *
 * @example
 * const visibility = leadsQueue.visibilityTimeoutSeconds; // 6 × the deliver function's timeout
 */

/** The deliver Lambda's timeout. The leads queue's visibility timeout is six times this (AWS guidance). */
export const DELIVER_TIMEOUT_SECONDS = 30;

/** How many leads one deliver invocation takes from the queue (the Lambda SQS batch size). */
export const DELIVER_BATCH_SIZE = 10;

export const leadsQueue = {
  name: 'leads',
  visibilityTimeoutSeconds: DELIVER_TIMEOUT_SECONDS * 6,
  retentionSeconds: 14 * 24 * 60 * 60,
  receiveWaitTimeSeconds: 20,
  /**
   * Receives before SQS itself moves a message to the DLQ. With the backoff of
   * shared/delivery/backoff.ts, 60 receives span at least 25.7 h even with every jitter at its lowest
   * (`guaranteedWindowSeconds`): a lead outlives a 24-hour Onpipeline outage. Permanent failures do
   * not wait for this: deliver parks them on the DLQ at once. docs/operations.md, "Outage window".
   */
  maxReceiveCount: 60,
  maximumMessageSizeBytes: 256 * 1024,
} as const;

export const deadLetterQueue = {
  name: 'leads-dlq',
  retentionSeconds: 14 * 24 * 60 * 60,
  visibilityTimeoutSeconds: 60,
} as const;

/** Message attributes the deliver function sets on a lead it parks in the DLQ. */
export const dlqAttributeNames = {
  reason: 'reason',
  status: 'status',
  message: 'message',
  source: 'source',
  attempts: 'attempts',
  firstAttemptAt: 'firstAttemptAt',
  lastAttemptAt: 'lastAttemptAt',
  /** The source configuration version that mapped the lead (`bundled`, or a published version). */
  configVersion: 'configVersion',
} as const;
