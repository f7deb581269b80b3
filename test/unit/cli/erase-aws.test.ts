import type { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';
import type { Envelope } from '#shared/envelope.ts';

const LEADS_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/leadgate-leads';
const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/leadgate-leads-dlq';
const aws = ['--queue-url', LEADS_URL, '--dlq-url', DLQ_URL, '--region', 'eu-west-1'];

const envelope = (id: string, fields: Envelope['fields']): Envelope => ({
  v: 1,
  id,
  sourceId: 'www',
  channel: 'form',
  receivedAt: '2026-01-01T10:00:00.000Z',
  dedupeKey: `form:${id}`,
  fields,
  context: {},
});

interface Sent {
  name: string;
  input: Record<string, unknown>;
}

/** SQS on AWS, in memory: each queue hands out its messages once (they are held by the sweep). */
function fakeSqs(queues: Record<string, { id: string; body: string }[]>) {
  const sent: Sent[] = [];
  const handedOut = new Set<string>();
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name.replace(/Command$/, '');
      sent.push({ name, input: command.input });
      const url = String(command.input.QueueUrl);
      if (name === 'ReceiveMessage') {
        const next = (queues[url] ?? []).filter((message) => !handedOut.has(message.id)).slice(0, 10);
        for (const message of next) handedOut.add(message.id);
        return {
          Messages: next.map((message) => ({
            MessageId: message.id,
            ReceiptHandle: `rh-${message.id}`,
            Body: message.body,
          })),
        };
      }
      if (name === 'DeleteMessageBatch' || name === 'ChangeMessageVisibilityBatch') return { Failed: [] };
      throw new Error(`unexpected ${name}`);
    },
    destroy() {},
  };
  return { client: client as unknown as SQSClient, sent };
}

describe('leadgate erase against AWS', () => {
  it('deletes only the matching envelopes and gives every other message back with visibility 0', async () => {
    // Prepare
    const sqs = fakeSqs({
      [LEADS_URL]: [
        { id: 'm-ana', body: JSON.stringify(envelope('L1', { Email: ['Ana@Example.COM'] })) },
        {
          id: 'm-bo',
          body: JSON.stringify(envelope('L2', { email: 'bo@example.com', tel: '+44 20 7946 0000' })),
        },
        { id: 'm-raw', body: 'not an envelope' },
      ],
      [DLQ_URL]: [{ id: 'm-ana-phone', body: JSON.stringify(envelope('L3', { phone: '0034 600-111-222' })) }],
    });
    let region: string | undefined;
    const io = bufferIo({
      env: {},
      awsSqs: (wanted) => {
        region = wanted;
        return sqs.client;
      },
    });

    // Act
    const code = await main(['erase', '--email', 'ana@example.com', '--phone', '+34600111222', ...aws], io);

    // Assess
    expect(code).toBe(0);
    expect(region).toBe('eu-west-1');
    const deleted = sqs.sent
      .filter((item) => item.name === 'DeleteMessageBatch')
      .flatMap((item) =>
        (item.input.Entries as { ReceiptHandle: string }[]).map((entry) => entry.ReceiptHandle),
      );
    expect(deleted.sort()).toEqual(['rh-m-ana', 'rh-m-ana-phone']);
    const givenBack = sqs.sent
      .filter((item) => item.name === 'ChangeMessageVisibilityBatch')
      .flatMap((item) => item.input.Entries as { ReceiptHandle: string; VisibilityTimeout: number }[]);
    expect(givenBack).toEqual([
      expect.objectContaining({ ReceiptHandle: 'rh-m-bo', VisibilityTimeout: 0 }),
      expect.objectContaining({ ReceiptHandle: 'rh-m-raw', VisibilityTimeout: 0 }),
    ]);
    expect(io.stdout()).toContain('erased 2 queued leads');
    expect(io.stdout()).toContain('m-ana');
    expect(io.stdout()).not.toContain('dashboard');
    expect(`${io.stdout()}${io.stderr()}`.toLowerCase()).not.toContain('ana@example');
  });

  it('stops at --max-messages, says the erase is incomplete and exits 1', async () => {
    // Prepare
    const many = Array.from({ length: 25 }, (_, n) => ({
      id: `m-${n}`,
      body: JSON.stringify(envelope(`L${n}`, { email: `person${n}@example.com` })),
    }));
    const sqs = fakeSqs({ [LEADS_URL]: many, [DLQ_URL]: [] });
    const io = bufferIo({ env: {}, awsSqs: () => sqs.client });

    // Act
    const code = await main(
      ['erase', '--email', 'ana@example.com', '--max-messages', '10', '--json', ...aws],
      io,
    );

    // Assess
    expect(code).toBe(1);
    const report = JSON.parse(io.stdout());
    expect(report).toMatchObject({ complete: false, removed: 0, leads: { scanned: 10, complete: false } });
    const received = sqs.sent.filter(
      (item) => item.name === 'ReceiveMessage' && item.input.QueueUrl === LEADS_URL,
    );
    expect(received).toHaveLength(1);
  });

  it('needs the leads queue URL too on AWS', async () => {
    // Act
    const io = bufferIo({ env: {}, awsSqs: () => fakeSqs({}).client });
    const code = await main(['erase', '--email', 'ana@example.com', '--dlq-url', DLQ_URL], io);

    // Assess
    expect(code).toBe(2);
    expect(io.stderr()).toContain('--queue-url');
  });
});
