import { type Message, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { leadQueue } from '#shared/queue/client.ts';
import { leadsQueue } from '#shared/queue/definition.ts';
import { describe as describeLetter } from '#shared/queue/dlq.ts';
import { envelopeFactory } from '#test/support/queue.ts';

/** The characters SQS accepts in a body or string attribute: #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF. */
const sqsAllowed = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

/** An SQS client that refuses a SendMessage with a character SQS refuses (InvalidMessageContents), and records the rest. */
function strictSqs() {
  const sent: SendMessageCommand[] = [];
  const sqs = {
    send: async (command: SendMessageCommand) => {
      const values = [
        command.input.MessageBody ?? '',
        ...Object.values(command.input.MessageAttributes ?? {}).map((value) => value.StringValue ?? ''),
      ];
      if (!values.every((value) => sqsAllowed.test(value))) {
        throw Object.assign(new Error('Invalid characters found'), { name: 'InvalidMessageContents' });
      }
      sent.push(command);
      return { MessageId: 'm' };
    },
  } as unknown as SQSClient;
  return {
    sent,
    queue: leadQueue({ sqs, leadsUrl: 'http://queue/leads', deadLetterUrl: 'http://queue/dlq' }),
  };
}

describe('leadQueue.deadLetter: reason attributes SQS accepts, whatever the reason text holds', () => {
  it.each([
    ['U+0000', 'bad\u0000value'],
    ['U+FFFE', 'bad\uFFFEvalue'],
    ['U+FFFF', 'bad\uFFFFvalue'],
    ['a lone high surrogate', 'bad\uD800value'],
    ['a lone low surrogate', 'bad\uDC00value'],
    ['a control character', 'bad\u001Bvalue'],
  ])('parks a lead whose message attribute holds %s', async (_case, message) => {
    // Prepare
    const { sent, queue } = strictSqs();
    const body = JSON.stringify(envelopeFactory());

    // Act
    await queue.deadLetter(body, { reason: 'onpipeline_rejected', message });

    // Assess: stored, with the refused character written as a visible escape
    expect(sent).toHaveLength(1);
    const stored = sent[0]?.input.MessageAttributes?.message?.StringValue ?? '';
    expect(stored).toMatch(/^bad\\u[0-9a-f]{4}value$/);
    expect(sent[0]?.input.MessageAttributes?.reason?.StringValue).toBe('onpipeline_rejected');
  });

  it('parks a lead whose long message is cut in the middle of an emoji', async () => {
    // Prepare: 999 characters and an emoji (two UTF-16 units) straddling the 1000-character cut
    const { sent, queue } = strictSqs();

    // Act
    await queue.deadLetter('{}', { reason: 'mapping_failed', message: `${'x'.repeat(999)}😀 and more` });

    // Assess
    expect(sent).toHaveLength(1);
    expect(sent[0]?.input.MessageAttributes?.message?.StringValue?.startsWith('x'.repeat(999))).toBe(true);
  });

  it('keeps ordinary text, accents included, as it is and leaves out empty attributes', async () => {
    // Prepare
    const { sent, queue } = strictSqs();

    // Act
    await queue.deadLetter('{}', {
      reason: 'mapping_failed',
      message: 'LastName: required, Zoë\ttab',
      status: '',
    });

    // Assess
    expect(sent[0]?.input).toMatchObject({
      QueueUrl: 'http://queue/dlq',
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: 'mapping_failed' },
        message: { DataType: 'String', StringValue: 'LastName: required, Zoë\ttab' },
      },
    });
    expect(sent[0]?.input.MessageAttributes).not.toHaveProperty('status');
    expect(sent[0]).toBeInstanceOf(SendMessageCommand);
  });
});

/** A DLQ message as ReceiveMessage returns it (`MessageAttributeNames: ['All']`, system attributes). */
function dlqMessageFactory(overrides: Partial<Message> = {}): Message {
  const envelope = envelopeFactory();
  return {
    MessageId: 'dlq-1',
    ReceiptHandle: 'receipt-dlq-1',
    Body: JSON.stringify(envelope),
    Attributes: {
      ApproximateReceiveCount: String(leadsQueue.maxReceiveCount + 3),
      SentTimestamp: String(Date.now()),
    },
    ...overrides,
  };
}

describe('describe: a parked lead as `dlq list`, `dlq show` and the dashboard show it', () => {
  it('gives a lead SQS moved by its redrive policy (no reason attributes) a reason and the attempts it had', () => {
    // Prepare: moved after maxReceiveCount failed receives, then looked at three times in the DLQ
    // (each look is a receive: the count SQS reports keeps growing)
    const message = dlqMessageFactory();

    // Act
    const letter = describeLetter(message);

    // Assess
    expect(letter).toMatchObject({
      messageId: 'dlq-1',
      reason: 'max_receives_exceeded',
      attempts: String(leadsQueue.maxReceiveCount),
      sourceId: 'deliver-form',
      status: undefined,
      message: undefined,
    });
  });

  it('shows the reason attributes deliver set when it parked the lead itself', () => {
    // Prepare
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    const message = dlqMessageFactory({
      MessageAttributes: {
        reason: attribute('onpipeline_rejected'),
        status: attribute('406'),
        message: attribute('Invalid JSON'),
        attempts: attribute('2'),
      },
    });

    // Act
    const letter = describeLetter(message);

    // Assess: deliver's own count wins over the DLQ's receive count
    expect(letter).toMatchObject({
      reason: 'onpipeline_rejected',
      status: '406',
      message: 'Invalid JSON',
      attempts: '2',
    });
  });

  it('describes a body that is not an envelope by its attributes alone', () => {
    // Prepare
    const message = dlqMessageFactory({
      Body: 'not json',
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: 'invalid_envelope' },
        source: { DataType: 'String', StringValue: 'demo-contact' },
      },
    });

    // Act
    const letter = describeLetter(message);

    // Assess
    expect(letter).toMatchObject({
      reason: 'invalid_envelope',
      sourceId: 'demo-contact',
      envelope: undefined,
    });
  });
});

describe('describe: odd parked messages', () => {
  it.each([
    ['JSON that is not an envelope', '{"id":42}'],
    ['no body at all', undefined],
  ])('describes a message with %s by its attributes alone', (_case, Body) => {
    // Prepare
    const { Body: _envelope, ...rest } = dlqMessageFactory({
      MessageAttributes: { source: { DataType: 'String', StringValue: 'demo-contact' } },
    });
    const message: Message = Body === undefined ? rest : { ...rest, Body };

    // Act
    const letter = describeLetter(message);

    // Assess
    expect(letter).toMatchObject({ sourceId: 'demo-contact', leadId: undefined, envelope: undefined });
  });

  it('shows the source configuration version that mapped the lead, when deliver recorded it', () => {
    // Prepare
    const withVersion = dlqMessageFactory({
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: 'mapping_failed' },
        configVersion: { DataType: 'String', StringValue: '7' },
      },
    });

    // Act
    const letters = [describeLetter(withVersion), describeLetter(dlqMessageFactory())];

    // Assess
    expect(letters[0]?.configVersion).toBe('7');
    expect(letters[1]).not.toHaveProperty('configVersion');
  });
});
