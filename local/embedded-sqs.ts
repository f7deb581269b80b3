import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * Shortest visibility used instead of 0 on the embedded queue. fauxqs 2.4.1 with persistence (the
 * one-machine runtime) fails `ChangeMessageVisibility(0)` with a 500 after dropping the message from
 * its in-memory queue, so a DLQ listing that "releases" what it read (`shared/queue/dlq.ts`) would
 * hide every parked lead until the next restart. Any other timeout works.
 */
const MIN_VISIBILITY_SECONDS = 1;

/**
 * A view of an embedded-queue SQS client whose visibility changes to 0 become 1 second (see
 * `MIN_VISIBILITY_SECONDS`). For the local runtime only; remove once fauxqs is fixed.
 *
 * @example
 * const dlq = deadLetterQueue(localSqs(sqs), urls);
 */
export function localSqs(sqs: SQSClient): SQSClient {
  return new Proxy(sqs, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (property === 'send') return (command: unknown) => target.send(adjusted(command) as never);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function adjusted(command: unknown): unknown {
  if (command instanceof ChangeMessageVisibilityBatchCommand) {
    return new ChangeMessageVisibilityBatchCommand({
      ...command.input,
      Entries: command.input.Entries?.map((entry) => ({
        ...entry,
        VisibilityTimeout: Math.max(MIN_VISIBILITY_SECONDS, entry.VisibilityTimeout ?? 0),
      })),
    });
  }
  if (command instanceof ChangeMessageVisibilityCommand && (command.input.VisibilityTimeout ?? 0) === 0) {
    return new ChangeMessageVisibilityCommand({
      ...command.input,
      VisibilityTimeout: MIN_VISIBILITY_SECONDS,
    });
  }
  return command;
}

/**
 * Lets the parked leads a recent listing held become receivable again before a redrive, so the
 * redrive sees them all: only the CLI and the dashboard read the local DLQ, and a listing holds what
 * it read for `MIN_VISIBILITY_SECONDS` (fauxqs counts expired holds as in flight until the next
 * receive, so waiting out the hold is the only way to know).
 */
export async function settleDeadLetters(sqs: SQSClient, deadLetterUrl: string): Promise<void> {
  const answer = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: deadLetterUrl,
      AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  if (Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) === 0) return;
  await new Promise((resolve) => setTimeout(resolve, MIN_VISIBILITY_SECONDS * 1000 + 100));
}
