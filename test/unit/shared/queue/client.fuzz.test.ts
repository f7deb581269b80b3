import type { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newEnvelope } from '#shared/channels/common/enqueue.ts';
import { leadQueue } from '#shared/queue/client.ts';
import { fieldName, text } from '#test/support/fuzz/text.ts';

/** SQS's documented message-body characters: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF. */
const sqsAllowed = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
/**
 * What the embedded queue (fauxqs) accepts: its check lacks the `u` flag, so it refuses every
 * astral-plane character (emoji) that SQS itself accepts.
 */
const fauxqsAllowed = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD]*$/;

/** The SendMessage inputs `leadQueue` makes, without a network. */
function recordingSqs() {
  const sent: SendMessageCommand['input'][] = [];
  const sqs = {
    send: async (command: SendMessageCommand) => {
      sent.push(command.input);
      return {};
    },
  } as unknown as SQSClient;
  return {
    sent,
    queue: leadQueue({ sqs, leadsUrl: 'http://queue/leads', deadLetterUrl: 'http://queue/dlq' }),
  };
}

const fieldValue = fc.oneof(
  text,
  fc.array(text, { maxLength: 4 }),
  fc.constantFrom('Zoë 😀', '\uFFFF', '\uFFFE'),
);
const envelope = fc
  .record({
    fields: fc.dictionary(fieldName, fieldValue, { maxKeys: 8 }),
    context: fc.dictionary(fc.constantFrom('utm.campaign', 'referer', 'userAgent', 'ip'), text, {
      maxKeys: 4,
    }),
  })
  .map(({ fields, context }) =>
    newEnvelope({
      sourceId: 'demo-contact',
      channel: 'form',
      fields,
      context: { ...context, source: 'demo-contact' },
    }),
  );

describe('leadQueue: the message body it sends', () => {
  it('reads back as the envelope it was made from', async () => {
    await fc.assert(
      fc.asyncProperty(envelope, async (lead) => {
        // Prepare
        const { sent, queue } = recordingSqs();

        // Act
        await queue.enqueue(lead);

        // Assess
        expect(JSON.parse(sent[0]?.MessageBody ?? 'null')).toEqual(JSON.parse(JSON.stringify(lead)));
      }),
      { numRuns: 500 },
    );
  });

  it('holds only characters SQS accepts, whatever the lead says (U+FFFE, U+FFFF)', async () => {
    await fc.assert(
      fc.asyncProperty(envelope, async (lead) => {
        // Prepare
        const { sent, queue } = recordingSqs();

        // Act
        await queue.enqueue(lead);

        // Assess
        expect(sent[0]?.MessageBody).toMatch(sqsAllowed);
      }),
      { numRuns: 500 },
    );
  });

  it('holds only characters the embedded queue accepts too, so an emoji is not a 503 on one machine', async () => {
    // Prepare
    const { sent, queue } = recordingSqs();
    const lead = newEnvelope({
      sourceId: 'demo-contact',
      channel: 'form',
      fields: { first_name: 'Zoë 😀', last_name: 'Müller' },
      context: { source: 'demo-contact' },
    });

    // Act
    await queue.enqueue(lead);

    // Assess
    expect(sent[0]?.MessageBody).toMatch(fauxqsAllowed);
    expect(JSON.parse(sent[0]?.MessageBody ?? 'null').fields.first_name).toBe('Zoë 😀');
  });
});
