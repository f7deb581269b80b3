import type { SQSRecord } from 'aws-lambda';
import { newEnvelope } from '#shared/channels/common/enqueue.ts';
import type { Envelope } from '#shared/envelope.ts';
import type { LeadQueue } from '#shared/queue/client.ts';

/** One call the deliver worker made on its queue, in order. */
export type QueueCall =
  | { op: 'enqueue'; envelope: Envelope }
  | { op: 'deadLetter'; body: string; attributes: Record<string, string> }
  | { op: 'delay'; receiptHandle: string; seconds: number };

/**
 * An in-memory `LeadQueue` that records every call (enqueue, deadLetter, delay = ChangeMessageVisibility).
 * `failing('delay')` makes that operation throw from then on, as SQS does when it is unreachable.
 *
 * @example
 * const recording = recordingLeadQueue();
 * await leadDelivery({ ...deps, queue: recording.queue }).deliver(record);
 * expect(recording.parked()).toEqual([]);
 */
export function recordingLeadQueue() {
  const calls: QueueCall[] = [];
  const failures = new Set<QueueCall['op']>();
  const queue: LeadQueue = {
    async enqueue(envelope) {
      if (failures.has('enqueue')) throw new Error('SQS: enqueue refused');
      calls.push({ op: 'enqueue', envelope: structuredClone(envelope) });
    },
    async deadLetter(body, attributes) {
      if (failures.has('deadLetter')) throw new Error('SQS: SendMessage to leads-dlq refused');
      calls.push({ op: 'deadLetter', body, attributes: { ...attributes } });
    },
    async delay(receiptHandle, seconds) {
      if (failures.has('delay')) throw new Error('SQS: ChangeMessageVisibility refused');
      calls.push({ op: 'delay', receiptHandle, seconds });
    },
  };
  return {
    queue,
    calls,
    failing(op: QueueCall['op']) {
      failures.add(op);
    },
    parked: () => calls.filter((call) => call.op === 'deadLetter'),
    delays: () => calls.filter((call) => call.op === 'delay'),
  };
}

/** A lead envelope as capture builds it; `overrides` replace any part. */
export function envelopeFactory(overrides: Partial<Envelope> = {}): Envelope {
  return {
    ...newEnvelope({
      sourceId: 'deliver-form',
      channel: 'form',
      fields: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' },
      context: { ip: '203.0.113.9' },
    }),
    ...overrides,
  };
}

/** An SQS record as the Lambda trigger (and the local poller) hand it to deliver. */
export function sqsRecordFactory(
  body: Envelope | string,
  options: { receiveCount?: number; messageId?: string; firstReceivedAt?: number } = {},
): SQSRecord {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const messageId =
    options.messageId ?? (typeof body === 'string' ? `msg-${Math.random().toString(36).slice(2)}` : body.id);
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: text,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(options.firstReceivedAt ?? Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:leads',
    awsRegion: 'us-east-1',
  };
}
