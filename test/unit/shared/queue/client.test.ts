import {
  SendMessageBatchCommand,
  type SendMessageBatchResult,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newEnvelope } from '#shared/channels/common/enqueue.ts';
import type { Envelope } from '#shared/envelope.ts';
import { leadQueue, MessageTooLargeError, sqsClient } from '#shared/queue/client.ts';
import { leadsQueue } from '#shared/queue/definition.ts';

type Sent = SendMessageCommand | SendMessageBatchCommand;

/** An SQS client that records each command and answers with `answer` (all stored by default). */
function recordingSqs(answer: (command: Sent) => Promise<SendMessageBatchResult | object> = storeAll) {
  const sent: Sent[] = [];
  const sqs = {
    send: async (command: Sent) => {
      sent.push(command);
      return answer(command);
    },
  } as unknown as SQSClient;
  return {
    sent,
    queue: leadQueue({ sqs, leadsUrl: 'http://queue/leads', deadLetterUrl: 'http://queue/dlq' }),
  };
}

async function storeAll(command: Sent): Promise<SendMessageBatchResult | object> {
  if (command instanceof SendMessageBatchCommand) {
    return {
      Successful: (command.input.Entries ?? []).map((entry) => ({
        Id: entry.Id,
        MessageId: `m-${entry.Id}`,
      })),
      Failed: [],
    };
  }
  return { MessageId: 'm' };
}

function lead(n: number, text = 'x'): Envelope {
  return newEnvelope({
    sourceId: 'demo-contact',
    channel: 'form',
    fields: { n: String(n), text },
    context: {},
  });
}

const bodiesOf = (command: Sent) =>
  command instanceof SendMessageBatchCommand
    ? (command.input.Entries ?? []).map((entry) => JSON.parse(entry.MessageBody ?? '').id)
    : [JSON.parse(command.input.MessageBody ?? '').id];

describe('leadQueue.enqueue: leads sent in the same turn leave together', () => {
  it('sends a lone lead as one SendMessage with its source and channel attributes', async () => {
    // Prepare
    const { sent, queue } = recordingSqs();
    const envelope = lead(1);

    // Act
    await queue.enqueue(envelope);

    // Assess
    expect(sent).toHaveLength(1);
    const [command] = sent;
    expect(command).toBeInstanceOf(SendMessageCommand);
    expect((command as SendMessageCommand).input.MessageAttributes).toEqual({
      source: { DataType: 'String', StringValue: 'demo-contact' },
      channel: { DataType: 'String', StringValue: 'form' },
    });
    expect(bodiesOf(command as Sent)).toEqual([envelope.id]);
  });

  it('gathers leads enqueued in one turn into SendMessageBatch calls of at most 10', async () => {
    // Prepare
    const { sent, queue } = recordingSqs();
    const envelopes = Array.from({ length: 23 }, (_, n) => lead(n));

    // Act
    await Promise.all(envelopes.map((envelope) => queue.enqueue(envelope)));

    // Assess
    expect(sent.map((command) => command.constructor.name)).toEqual([
      'SendMessageBatchCommand',
      'SendMessageBatchCommand',
      'SendMessageBatchCommand',
    ]);
    expect(sent.map((command) => bodiesOf(command).length)).toEqual([10, 10, 3]);
    expect(sent.flatMap(bodiesOf)).toEqual(envelopes.map((envelope) => envelope.id));
  });

  it('keeps each batch within the size one message may have', async () => {
    // Prepare: three leads of ~100 KiB each; two fit in 256 KiB, three do not
    const { sent, queue } = recordingSqs();
    const envelopes = [1, 2, 3].map((n) => lead(n, 'y'.repeat(100 * 1024)));

    // Act
    await Promise.all(envelopes.map((envelope) => queue.enqueue(envelope)));

    // Assess
    expect(sent.map((command) => bodiesOf(command).length)).toEqual([2, 1]);
    for (const command of sent) {
      const bytes = bodiesOf(command).length * 100 * 1024;
      expect(bytes).toBeLessThanOrEqual(leadsQueue.maximumMessageSizeBytes);
    }
  });

  it('refuses a lead larger than one message before sending anything', async () => {
    // Prepare
    const { sent, queue } = recordingSqs();

    // Act
    const attempt = queue.enqueue(lead(1, 'z'.repeat(leadsQueue.maximumMessageSizeBytes)));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(MessageTooLargeError);
    expect(sent).toHaveLength(0);
  });

  it('fails only the lead whose entry SQS refused, and one missing from the answer', async () => {
    // Prepare: SQS stores entry 0, refuses entry 1, and says nothing of entry 2
    const { queue } = recordingSqs(async () => ({
      Successful: [{ Id: '0', MessageId: 'm-0', MD5OfMessageBody: '' }],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false, Message: 'try again' }],
    }));

    // Act
    const outcomes = await Promise.allSettled([lead(0), lead(1), lead(2)].map((e) => queue.enqueue(e)));

    // Assess
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain('InternalError: try again');
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toContain('without this entry');
  });

  it('fails every lead of a batch when the call itself fails', async () => {
    // Prepare
    const { queue } = recordingSqs(async () => {
      throw new Error('connect ECONNREFUSED');
    });

    // Act
    const outcomes = await Promise.allSettled([lead(0), lead(1)].map((e) => queue.enqueue(e)));

    // Assess
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  });

  it('sends leads of different turns separately', async () => {
    // Prepare
    const { sent, queue } = recordingSqs();

    // Act
    await queue.enqueue(lead(1));
    await queue.enqueue(lead(2));

    // Assess
    expect(sent.map((command) => command.constructor.name)).toEqual([
      'SendMessageCommand',
      'SendMessageCommand',
    ]);
  });
});

describe('leadQueue.enqueue: odd SQS answers', () => {
  it('sends exactly ten leads of one turn as one full batch, and nothing after it', async () => {
    // Prepare
    const { sent, queue } = recordingSqs();

    // Act
    await Promise.all(Array.from({ length: 10 }, (_, n) => queue.enqueue(lead(n))));
    await new Promise((resolve) => setImmediate(resolve));

    // Assess
    expect(sent).toHaveLength(1);
    expect(bodiesOf(sent[0] as Sent)).toHaveLength(10);
  });

  it('fails a lone lead when SendMessage fails', async () => {
    // Prepare
    const { queue } = recordingSqs(async () => {
      throw Object.assign(new Error('Access denied'), { name: 'AccessDenied' });
    });

    // Act
    const enqueued = queue.enqueue(lead(1));

    // Assess
    await expect(enqueued).rejects.toThrow('Access denied');
  });

  it.each([
    ['an answer without lists (SQS leaves empty ones out)', {}, ['without this entry', 'without this entry']],
    [
      'a refusal without code or message',
      {
        Successful: [{ Id: '0', MessageId: 'm-0', MD5OfMessageBody: '' }],
        Failed: [{ Id: '1', SenderFault: true }],
      },
      [undefined, 'SendMessageBatch entry refused: unknown: '],
    ],
  ])('fails the leads SQS did not confirm after %s', async (_case, answer, reasons) => {
    // Prepare
    const { queue } = recordingSqs(async () => answer);

    // Act
    const outcomes = await Promise.allSettled([lead(0), lead(1)].map((e) => queue.enqueue(e)));

    // Assess
    expect(
      outcomes.map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : undefined)),
    ).toEqual(reasons.map((reason) => (reason === undefined ? undefined : expect.stringContaining(reason))));
  });
});

describe('sqsClient', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('talks to the embedded queue with local credentials when given its endpoint', async () => {
    // Act
    const client = sqsClient('http://127.0.0.1:9324');

    // Assess
    expect(await client.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1', port: 9324 });
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'local' });
  });

  it('talks to AWS SQS when SQS_ENDPOINT is not set', () => {
    // Prepare
    vi.stubEnv('SQS_ENDPOINT', '');

    // Act
    const client = sqsClient();

    // Assess
    expect(client.config.endpoint).toBeUndefined();
    expect(client.config.isCustomEndpoint).toBe(false);
  });
});
