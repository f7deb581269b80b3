import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { queueDepth } from '#shared/queue/depth.ts';
import { deadLetterQueue } from '#shared/queue/dlq.ts';
import { envelopeFactory } from '#test/support/queue.ts';

const leadsUrl = 'http://queue/leads';
const deadLetterUrl = 'http://queue/leads-dlq';

interface Stored {
  id: string;
  body: string | undefined;
  attributes: Record<string, MessageAttributeValue>;
  receives: number;
  receipt: string | undefined;
  hiddenUntil: number;
}

/**
 * An in-memory SQS with SQS's visibility rules for the commands the DLQ tools send: a received message
 * is hidden for its VisibilityTimeout, ReceiveMessage omits `Messages` when nothing is visible,
 * SendMessageBatch can be told to refuse entries, and `redelivers` makes it hand out hidden messages
 * again (SQS is at-least-once); `refuseVisibility` makes ChangeMessageVisibilityBatch throw.
 */
function memorySqs(options: { refuseSends?: number; redelivers?: boolean; refuseVisibility?: boolean } = {}) {
  const queues = new Map<string, Stored[]>([
    [leadsUrl, []],
    [deadLetterUrl, []],
  ]);
  let sequence = 0;
  let refuseSends = options.refuseSends ?? 0;
  const moveTasks: Record<string, unknown>[] = [];
  const queue = (url: string | undefined) => {
    const found = queues.get(url ?? '');
    if (!found) throw Object.assign(new Error('no such queue'), { name: 'QueueDoesNotExist' });
    return found;
  };
  const park = (body: string | undefined, attributes: Record<string, string> = {}) => {
    sequence += 1;
    queue(deadLetterUrl).push({
      id: `dlq-${sequence}`,
      body,
      attributes: Object.fromEntries(
        Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
      ),
      receives: 5,
      receipt: undefined,
      hiddenUntil: 0,
    });
  };
  const client = {
    async send(command: unknown) {
      const now = Date.now();
      if (command instanceof ReceiveMessageCommand) {
        const { QueueUrl, MaxNumberOfMessages = 1, VisibilityTimeout = 30 } = command.input;
        const visible = queue(QueueUrl).filter((message) => options.redelivers || message.hiddenUntil <= now);
        const batch = visible.slice(0, MaxNumberOfMessages).map((message): Message => {
          sequence += 1;
          message.receives += 1;
          message.receipt = `receipt-${sequence}`;
          message.hiddenUntil = now + VisibilityTimeout * 1000;
          return {
            MessageId: message.id,
            ReceiptHandle: message.receipt,
            ...(message.body === undefined ? {} : { Body: message.body }),
            MessageAttributes: message.attributes,
            Attributes: { ApproximateReceiveCount: String(message.receives) },
          };
        });
        return batch.length > 0 ? { Messages: batch } : {};
      }
      if (command instanceof ChangeMessageVisibilityBatchCommand) {
        if (options.refuseVisibility)
          throw Object.assign(new Error('throttled'), { name: 'RequestThrottled' });
        for (const entry of command.input.Entries ?? []) {
          const message = queue(command.input.QueueUrl).find((item) => item.receipt === entry.ReceiptHandle);
          if (message) message.hiddenUntil = now + (entry.VisibilityTimeout ?? 0) * 1000;
        }
        return { Successful: [], Failed: [] };
      }
      if (command instanceof SendMessageBatchCommand) {
        const Successful: { Id: string }[] = [];
        const Failed: { Id: string; Code: string; SenderFault: boolean }[] = [];
        for (const entry of command.input.Entries ?? []) {
          if (refuseSends > 0) {
            refuseSends -= 1;
            Failed.push({ Id: entry.Id as string, Code: 'InternalError', SenderFault: false });
            continue;
          }
          sequence += 1;
          queue(command.input.QueueUrl).push({
            id: `lead-${sequence}`,
            body: entry.MessageBody,
            attributes: entry.MessageAttributes ?? {},
            receives: 0,
            receipt: undefined,
            hiddenUntil: 0,
          });
          Successful.push({ Id: entry.Id as string });
        }
        // SQS leaves out an empty list
        return { ...(Successful.length > 0 ? { Successful } : {}), Failed };
      }
      if (command instanceof DeleteMessageBatchCommand) {
        const messages = queue(command.input.QueueUrl);
        for (const entry of command.input.Entries ?? []) {
          const index = messages.findIndex((item) => item.receipt === entry.ReceiptHandle);
          if (index >= 0) messages.splice(index, 1);
        }
        return { Successful: [], Failed: [] };
      }
      if (command instanceof GetQueueAttributesCommand) {
        const messages = queue(command.input.QueueUrl);
        const hidden = messages.filter((message) => message.hiddenUntil > now).length;
        const all: Record<string, string> = {
          ApproximateNumberOfMessages: String(messages.length - hidden),
          ApproximateNumberOfMessagesNotVisible: String(hidden),
          ApproximateNumberOfMessagesDelayed: '0',
        };
        const names = command.input.AttributeNames ?? [];
        return { Attributes: Object.fromEntries(names.map((name) => [name, all[name]])) };
      }
      if (command instanceof StartMessageMoveTaskCommand) {
        moveTasks.push({ ...command.input });
        return { TaskHandle: `task-${moveTasks.length}` };
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  return {
    sqs: client as unknown as SQSClient,
    park,
    moveTasks,
    leads: () => queue(leadsUrl),
    parked: () => queue(deadLetterUrl),
    /** Messages of the DLQ nobody holds at `at` (ms from now). */
    visibleIn: (at: number) =>
      queue(deadLetterUrl).filter((message) => message.hiddenUntil <= Date.now() + at),
  };
}

const envelopeFrom = (sourceId: string) => JSON.stringify(envelopeFactory({ sourceId }));

function dlqWith(count: number, options?: Parameters<typeof memorySqs>[0]) {
  const sqs = memorySqs(options);
  for (let index = 0; index < count; index++) {
    sqs.park(envelopeFrom(index % 2 === 0 ? 'demo-contact' : 'acme-partner'), {
      reason: 'onpipeline_rejected',
      source: index % 2 === 0 ? 'demo-contact' : 'acme-partner',
    });
  }
  return { ...sqs, dlq: deadLetterQueue(sqs.sqs, { leadsUrl, deadLetterUrl }) };
}

describe('deadLetterQueue.list', () => {
  it('lists every parked lead once, in batches, and hands them back to others within seconds', async () => {
    // Prepare
    const { dlq, parked, visibleIn } = dlqWith(23);

    // Act
    const letters = await dlq.list();

    // Assess
    expect(letters).toHaveLength(23);
    expect(new Set(letters.map((letter) => letter.messageId)).size).toBe(23);
    expect(letters[0]).toMatchObject({ reason: 'onpipeline_rejected', sourceId: 'demo-contact' });
    expect(parked()).toHaveLength(23);
    expect(visibleIn(1000)).toHaveLength(23);
  });

  it('reads no more than it is asked for', async () => {
    // Prepare
    const { dlq } = dlqWith(15);

    // Act
    const letters = await dlq.list(12);

    // Assess
    expect(letters).toHaveLength(12);
  });

  it('shows a lead SQS hands out twice only once, and stops when a batch brings nothing new', async () => {
    // Prepare
    const { dlq } = dlqWith(3, { redelivers: true });

    // Act
    const letters = await dlq.list();

    // Assess
    expect(letters.map((letter) => letter.messageId)).toEqual(['dlq-1', 'dlq-2', 'dlq-3']);
  });

  it('answers an empty list for an empty DLQ', async () => {
    // Prepare
    const { dlq } = dlqWith(0);

    // Act
    const letters = await dlq.list();

    // Assess
    expect(letters).toEqual([]);
    expect(await dlq.depth()).toEqual({ visible: 0, inFlight: 0 });
  });
});

describe('deadLetterQueue.redrive', () => {
  it('moves every parked lead back to leads, keeping its source attribute, and reports each batch', async () => {
    // Prepare
    const { dlq, leads, parked } = dlqWith(12);
    const progress: { moved: number; skipped: number }[] = [];

    // Act
    const result = await dlq.redrive({ onProgress: (step) => progress.push(step) });

    // Assess
    expect(result).toEqual({ moved: 12, skipped: 0 });
    expect(progress).toEqual([
      { moved: 10, skipped: 0 },
      { moved: 12, skipped: 0 },
    ]);
    expect(parked()).toHaveLength(0);
    expect(leads()).toHaveLength(12);
    expect(leads()[0]?.attributes).toEqual({
      source: { DataType: 'String', StringValue: 'demo-contact' },
      redriven: { DataType: 'String', StringValue: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
    expect(JSON.parse(leads()[0]?.body ?? '')).toMatchObject({ sourceId: 'demo-contact' });
  });

  it('moves only the leads the filter picks; the others stay parked and visible again within seconds', async () => {
    // Prepare
    const { dlq, leads, parked, visibleIn } = dlqWith(6);

    // Act
    const result = await dlq.redrive({ filter: (letter) => letter.sourceId === 'acme-partner' });

    // Assess
    expect(result).toEqual({ moved: 3, skipped: 3 });
    expect(leads().map((lead) => lead.attributes.source?.StringValue)).toEqual([
      'acme-partner',
      'acme-partner',
      'acme-partner',
    ]);
    expect(parked()).toHaveLength(3);
    expect(visibleIn(1000)).toHaveLength(3);
  });

  it('moves no more than max', async () => {
    // Prepare
    const { dlq, leads, parked } = dlqWith(14);

    // Act
    const result = await dlq.redrive({ max: 4 });

    // Assess
    expect(result).toEqual({ moved: 4, skipped: 0 });
    expect(leads()).toHaveLength(4);
    expect(parked()).toHaveLength(10);
  });

  it('moves a parked message without attributes or body as it is', async () => {
    // Prepare
    const sqs = memorySqs();
    sqs.park(undefined);
    const dlq = deadLetterQueue(sqs.sqs, { leadsUrl, deadLetterUrl });

    // Act
    const result = await dlq.redrive();

    // Assess
    expect(result).toEqual({ moved: 1, skipped: 0 });
    expect(sqs.leads()[0]).toMatchObject({ body: '', attributes: { redriven: expect.any(Object) } });
    expect(sqs.leads()[0]?.attributes).not.toHaveProperty('source');
  });

  it('fails when SQS refuses to take leads back: those stay parked, the others are moved', async () => {
    // Prepare
    const { dlq, leads, parked, visibleIn } = dlqWith(5, { refuseSends: 2 });

    // Act
    const redrive = dlq.redrive();

    // Assess
    await expect(redrive).rejects.toThrow('2 leads could not be sent back to the leads queue');
    expect(leads()).toHaveLength(3);
    expect(parked()).toHaveLength(2);
    expect(visibleIn(1000)).toHaveLength(2);
  });

  it('fails when not one lead could be sent back, and deletes nothing', async () => {
    // Prepare
    const { dlq, leads, parked } = dlqWith(2, { refuseSends: 2 });

    // Act
    const redrive = dlq.redrive();

    // Assess
    await expect(redrive).rejects.toThrow('2 leads could not be sent back');
    expect(leads()).toHaveLength(0);
    expect(parked()).toHaveLength(2);
  });

  it('waits for leads someone just listed (hidden for a moment) instead of reporting nothing to move', async () => {
    // Prepare
    const { dlq, leads } = dlqWith(3);
    await dlq.list();

    // Act
    const result = await dlq.redrive();

    // Assess
    expect(result).toEqual({ moved: 3, skipped: 0 });
    expect(leads()).toHaveLength(3);
  });

  it('stops after passing over 1000 leads the filter does not pick', async () => {
    // Prepare
    const { dlq, parked } = dlqWith(1010);

    // Act
    const result = await dlq.redrive({ filter: () => false });

    // Assess
    expect(result).toEqual({ moved: 0, skipped: 1000 });
    expect(parked()).toHaveLength(1010);
  });

  it('still reports what it moved when the skipped leads cannot be handed back (they reappear later)', async () => {
    // Prepare
    const { dlq, leads } = dlqWith(4, { refuseVisibility: true });

    // Act
    const result = await dlq.redrive({ filter: (letter) => letter.sourceId === 'demo-contact' });

    // Assess
    expect(result).toEqual({ moved: 2, skipped: 2 });
    expect(leads()).toHaveLength(2);
  });

  it('answers nothing moved for an empty DLQ', async () => {
    // Prepare
    const { dlq } = dlqWith(0);

    // Act
    const result = await dlq.redrive();

    // Assess
    expect(result).toEqual({ moved: 0, skipped: 0 });
  });
});

describe('deadLetterQueue.startMoveTask', () => {
  it("asks SQS to move the DLQ back to leads and answers the task's handle", async () => {
    // Prepare
    const { dlq, moveTasks } = dlqWith(1);

    // Act
    const handle = await dlq.startMoveTask('arn:dlq', 'arn:leads');

    // Assess
    expect(handle).toBe('task-1');
    expect(moveTasks).toEqual([{ SourceArn: 'arn:dlq', DestinationArn: 'arn:leads' }]);
  });
});

describe('queueDepth', () => {
  it('counts delayed retries as in flight unless told not to', async () => {
    // Prepare
    const sqs = {
      send: async () => ({
        Attributes: {
          ApproximateNumberOfMessages: '4',
          ApproximateNumberOfMessagesNotVisible: '2',
          ApproximateNumberOfMessagesDelayed: '3',
        },
      }),
    };

    // Act
    const withDelayed = await queueDepth(sqs, leadsUrl);
    const withoutDelayed = await queueDepth(sqs, leadsUrl, { delayed: false });

    // Assess
    expect(withDelayed).toEqual({ visible: 4, inFlight: 5 });
    expect(withoutDelayed).toEqual({ visible: 4, inFlight: 2 });
  });

  it('counts zero for an answer without attributes', async () => {
    // Act
    const depth = await queueDepth({ send: async () => ({}) }, leadsUrl);

    // Assess
    expect(depth).toEqual({ visible: 0, inFlight: 0 });
  });
});
