import type { SQSClient } from '@aws-sdk/client-sqs';

/** A command the fake SQS client was sent: its name without `Command`, and its input. */
export interface SentCommand {
  name: string;
  input: Record<string, unknown>;
}

/**
 * A stand-in for SQS on AWS (the CLI's `awsSqs`): answers each command by its name
 * (`ReceiveMessage`, …) and records what was sent; an unexpected command throws.
 *
 * @example
 * const sqs = fakeSqs({ GetQueueAttributes: () => ({ Attributes: { ApproximateNumberOfMessages: '3' } }) });
 * bufferIo({ awsSqs: () => sqs.client });
 */
export function fakeSqs(answers: Record<string, (input: Record<string, unknown>) => unknown>) {
  const sent: SentCommand[] = [];
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name.replace(/Command$/, '');
      sent.push({ name, input: command.input });
      const answer = answers[name];
      if (!answer) throw new Error(`unexpected ${name}`);
      return answer(command.input);
    },
    destroy() {},
  };
  return { client: client as unknown as SQSClient, sent };
}

/**
 * SQS on AWS holding one parked lead (`envelope`, with the DLQ message attributes `attributes`),
 * served once per listing: the first ReceiveMessage returns it, the next ones nothing.
 *
 * @example
 * bufferIo({ awsSqs: () => parkedOnce(envelope, { reason: 'mapping_failed', attempts: '1' }) });
 */
export function parkedOnce(envelope: object, attributes: Record<string, string>): SQSClient {
  let served = false;
  return fakeSqs({
    ReceiveMessage: () => {
      if (served) return { Messages: [] };
      served = true;
      const MessageAttributes = Object.fromEntries(
        Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
      );
      return {
        Messages: [
          { MessageId: 'm-1', ReceiptHandle: 'r-1', Body: JSON.stringify(envelope), MessageAttributes },
        ],
      };
    },
    ChangeMessageVisibilityBatch: () => ({ Successful: [{ Id: '0' }], Failed: [] }),
  }).client;
}
