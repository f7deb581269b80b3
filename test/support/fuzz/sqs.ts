import {
  type MessageAttributeValue,
  type SendMessageBatchCommand,
  type SendMessageBatchResult,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Envelope } from '#shared/envelope.ts';
import { leadQueue } from '#shared/queue/client.ts';
import { leadsQueue } from '#shared/queue/definition.ts';

/** SQS's documented message-body characters: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF. */
const sqsInvalidCharacter = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** The size SQS counts: body plus each attribute's name, data type and value (UTF-8 bytes). */
export function sqsMessageSize(body: string, attributes: Record<string, string>): number {
  let size = Buffer.byteLength(body);
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength('String') + Buffer.byteLength(value);
  }
  return size;
}

/**
 * The real `leadQueue` over an SQS stand-in that refuses what SQS refuses: a message over the `leads`
 * queue's `MaximumMessageSize` (body plus attributes), or with characters outside SQS's allowed set.
 * Such a refusal makes capture answer 503, which is exactly what a property must find; a fix in
 * `leadQueue` (escaping) or in the limits shows here at once. `enqueued` holds each envelope as
 * deliver will read it (the message body parsed again).
 */
export function sqsLikeQueue() {
  const enqueued: Envelope[] = [];
  const refused: string[] = [];
  /** SQS's verdict on one message: the error it answers, or undefined once stored. */
  const store = (body: string, attributes: Record<string, MessageAttributeValue>): Error | undefined => {
    const values: Record<string, string> = {};
    for (const [name, value] of Object.entries(attributes)) values[name] = value.StringValue ?? '';
    const size = sqsMessageSize(body, values);
    if (size > leadsQueue.maximumMessageSizeBytes) {
      refused.push(`message of ${size} bytes is over ${leadsQueue.maximumMessageSizeBytes}`);
      return new Error(
        `InvalidParameterValue: Message must be shorter than ${leadsQueue.maximumMessageSizeBytes} bytes.`,
      );
    }
    const bad = sqsInvalidCharacter.exec(body + Object.values(values).join(''));
    if (bad) {
      const code = bad[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
      refused.push(`message contains U+${code}`);
      return new Error('InvalidMessageContents: Invalid characters found.');
    }
    enqueued.push(JSON.parse(body) as Envelope);
    return undefined;
  };
  const sqs = {
    async send(command: SendMessageCommand | SendMessageBatchCommand) {
      if (command instanceof SendMessageCommand) {
        const error = store(command.input.MessageBody ?? '', command.input.MessageAttributes ?? {});
        if (error) throw error;
        return {};
      }
      const entries = command.input.Entries ?? [];
      const total = entries.reduce(
        (sum, entry) =>
          sum +
          sqsMessageSize(
            entry.MessageBody ?? '',
            Object.fromEntries(
              Object.entries(entry.MessageAttributes ?? {}).map(([name, value]) => [
                name,
                value.StringValue ?? '',
              ]),
            ),
          ),
        0,
      );
      if (entries.length > 10 || total > leadsQueue.maximumMessageSizeBytes) {
        refused.push(`batch of ${entries.length} entries, ${total} bytes`);
        throw new Error('BatchRequestTooLong: the batch is over the limits.');
      }
      const answer: SendMessageBatchResult = { Successful: [], Failed: [] };
      for (const entry of entries) {
        const error = store(entry.MessageBody ?? '', entry.MessageAttributes ?? {});
        if (error) answer.Failed?.push({ Id: entry.Id, Code: error.message, SenderFault: true });
        else answer.Successful?.push({ Id: entry.Id, MessageId: entry.Id, MD5OfMessageBody: '' });
      }
      return answer;
    },
  } as unknown as SQSClient;
  const queue = leadQueue({
    sqs,
    leadsUrl: 'https://sqs.local/leads',
    deadLetterUrl: 'https://sqs.local/leads-dlq',
  });
  return { queue, enqueued, refused };
}
