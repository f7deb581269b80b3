import {
  type ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '#shared/envelope.ts';
import { sweepQueue } from '#shared/queue/erase.ts';
import { envelopeFactory } from '#test/support/queue.ts';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/leads';

/**
 * An SQS client over a list of messages: `ReceiveMessage` hands out the next batches (then nothing),
 * and every call is recorded. `failDeletes` makes `DeleteMessageBatch` refuse that many entries.
 */
function scriptedSqs(batches: Message[][], options: { failDeletes?: number } = {}) {
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  const sqs = {
    async send(
      command: ReceiveMessageCommand | DeleteMessageBatchCommand | ChangeMessageVisibilityBatchCommand,
    ) {
      calls.push({
        command: command.constructor.name,
        input: command.input as unknown as Record<string, unknown>,
      });
      if (command instanceof ReceiveMessageCommand) return { Messages: batches.shift() ?? [] };
      if (command instanceof DeleteMessageBatchCommand) {
        const failed = (command.input.Entries ?? []).slice(0, options.failDeletes ?? 0);
        return {
          Successful: [],
          Failed: failed.map((entry) => ({ Id: entry.Id, Code: 'x', SenderFault: false })),
        };
      }
      return {};
    },
  } as unknown as SQSClient;
  const of = (name: string) => calls.filter((call) => call.command === name).map((call) => call.input);
  return { sqs, calls, of };
}

function message(id: string, body: Envelope | string): Message {
  return {
    MessageId: id,
    ReceiptHandle: `receipt-${id}`,
    Body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

const ada = envelopeFactory({ fields: { email: 'ada@example.com' } });
const grace = envelopeFactory({ fields: { email: 'grace@example.com' } });
const isAda = (envelope: Envelope) => envelope.fields.email === 'ada@example.com';

describe('sweepQueue', () => {
  it('deletes the matching envelopes, gives every other message back, and ends when the queue is dry', async () => {
    // Prepare
    const { sqs, of } = scriptedSqs([
      [message('m1', ada), message('m2', grace), message('m3', 'not json'), message('m4', '{"v":2}')],
      [message('m1', ada)],
    ]);

    // Act
    const result = await sweepQueue(sqs, QUEUE_URL, {
      matches: isAda,
      maxMessages: 100,
      deadline: Date.now() + 60_000,
    });

    // Assess
    expect(result).toEqual({ scanned: 4, removed: ['m1'], complete: true });
    expect(
      of('DeleteMessageBatchCommand').flatMap((input) => input.Entries as { ReceiptHandle: string }[]),
    ).toEqual([
      { Id: '0', ReceiptHandle: 'receipt-m1' },
      { Id: '0', ReceiptHandle: 'receipt-m1' },
    ]);
    expect(of('ChangeMessageVisibilityBatchCommand')).toEqual([
      {
        QueueUrl: QUEUE_URL,
        Entries: ['m2', 'm3', 'm4'].map((id, index) => ({
          Id: String(index),
          ReceiptHandle: `receipt-${id}`,
          VisibilityTimeout: 0,
        })),
      },
    ]);
  });

  it('holds what it received until the deadline plus a margin, receiving at most what is left', async () => {
    // Prepare
    const { sqs, of } = scriptedSqs([[message('m1', grace)]]);

    // Act
    const result = await sweepQueue(sqs, QUEUE_URL, {
      matches: isAda,
      maxMessages: 3,
      deadline: Date.now() + 60_000,
    });

    // Assess
    const [first] = of('ReceiveMessageCommand');
    expect(first).toMatchObject({ QueueUrl: QUEUE_URL, MaxNumberOfMessages: 3, WaitTimeSeconds: 1 });
    // the seconds left (at most 60) plus 30
    expect(first?.VisibilityTimeout).toBeGreaterThan(30);
    expect(first?.VisibilityTimeout).toBeLessThanOrEqual(90);
    expect(result.complete).toBe(true);
  });

  it('holds for SQS’s longest visibility timeout (12 hours) when the deadline is further away', async () => {
    // Prepare
    const { sqs, of } = scriptedSqs([]);

    // Act
    await sweepQueue(sqs, QUEUE_URL, {
      matches: isAda,
      maxMessages: 3,
      deadline: Date.now() + 24 * 3_600_000,
    });

    // Assess
    expect(of('ReceiveMessageCommand')[0]?.VisibilityTimeout).toBe(43_200);
  });

  it('stops after maxMessages, incomplete, and reports progress after each batch', async () => {
    // Prepare
    const many = Array.from({ length: 10 }, (_, index) => message(`m${index}`, grace));
    const { sqs, of } = scriptedSqs([many, many]);
    const progress: { scanned: number; removed: number }[] = [];

    // Act
    const result = await sweepQueue(sqs, QUEUE_URL, {
      matches: isAda,
      maxMessages: 10,
      deadline: Date.now() + 60_000,
      onProgress: (step) => progress.push(step),
    });

    // Assess
    expect(result).toEqual({ scanned: 10, removed: [], complete: false });
    expect(of('ReceiveMessageCommand')).toHaveLength(1);
    expect(progress).toEqual([{ scanned: 10, removed: 0 }]);
    expect(of('ChangeMessageVisibilityBatchCommand')).toHaveLength(1);
  });

  it('receives nothing once the deadline has passed', async () => {
    // Prepare
    const { sqs, calls } = scriptedSqs([[message('m1', ada)]]);

    // Act
    const result = await sweepQueue(sqs, QUEUE_URL, {
      matches: isAda,
      maxMessages: 10,
      deadline: Date.now() - 1,
    });

    // Assess
    expect(result).toEqual({ scanned: 0, removed: [], complete: false });
    expect(calls).toEqual([]);
  });

  it('fails when SQS refuses to delete a matching message, still giving the others back', async () => {
    // Prepare
    const { sqs, of } = scriptedSqs([[message('m1', ada), message('m2', grace)]], { failDeletes: 1 });

    // Act
    const sweeping = sweepQueue(sqs, QUEUE_URL, {
      matches: isAda,
      maxMessages: 10,
      deadline: Date.now() + 60_000,
    });

    // Assess
    await expect(sweeping).rejects.toThrow('1 matching messages could not be deleted; run erase again');
    expect(of('ChangeMessageVisibilityBatchCommand')).toEqual([
      { QueueUrl: QUEUE_URL, Entries: [{ Id: '0', ReceiptHandle: 'receipt-m2', VisibilityTimeout: 0 }] },
    ]);
  });
});

describe('sweepQueue with answers as terse as SQS sends them', () => {
  it('reads an answer without Messages as a dry queue, a delete answer without Failed as done, and skips a message without a body', async () => {
    // Prepare: SQS leaves out empty lists; a message without a body is no lead
    const batches: Message[][] = [[message('m1', ada), { MessageId: 'm2', ReceiptHandle: 'receipt-m2' }]];
    const given: string[] = [];
    const sqs = {
      async send(
        command: ReceiveMessageCommand | DeleteMessageBatchCommand | ChangeMessageVisibilityBatchCommand,
      ) {
        if (command instanceof ReceiveMessageCommand) {
          const batch = batches.shift();
          return batch ? { Messages: batch } : {};
        }
        if (command instanceof DeleteMessageBatchCommand) return { Successful: [{ Id: '0' }] };
        for (const entry of command.input.Entries ?? []) given.push(entry.ReceiptHandle ?? '');
        return {};
      },
    } as unknown as SQSClient;

    // Act
    const result = await sweepQueue(sqs, QUEUE_URL, {
      matches: isAda,
      maxMessages: 100,
      deadline: Date.now() + 60_000,
    });

    // Assess
    expect(result).toEqual({ scanned: 2, removed: ['m1'], complete: true });
    expect(given).toEqual(['receipt-m2']);
  });
});
