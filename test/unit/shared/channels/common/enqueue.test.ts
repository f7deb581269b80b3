import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { enqueue, enqueueAll, newEnvelope } from '#shared/channels/common/enqueue.ts';
import { HttpError } from '#shared/http/errors.ts';
import { MessageTooLargeError } from '#shared/queue/client.ts';
import { counterValues } from '#shared/telemetry.ts';
import { interceptLines, parseJsonObject } from '#test/support/fuzz/logs.ts';
import { recordingLeadQueue } from '#test/support/queue.ts';

// Log at DEBUG (set before the logger is built): the "lead queued" line is written only then.
const previousLogLevel = vi.hoisted(() => {
  const previous = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  return previous;
});

/** Every JSON log line written while a test runs. */
let lines: Record<string, unknown>[] = [];
let restore: () => void;
beforeAll(() => {
  ({ restore } = interceptLines(parseJsonObject, (line) => lines.push(line)));
});
beforeEach(() => {
  lines = [];
});
afterAll(() => {
  restore();
  if (previousLogLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = previousLogLevel;
});

const lead = (extra: Partial<Parameters<typeof newEnvelope>[0]> = {}) =>
  newEnvelope({
    sourceId: 'meta-spring',
    channel: 'meta',
    fields: { email: 'ana@example.com' },
    context: {},
    ...extra,
  });

describe('enqueue at DEBUG', () => {
  it('logs the queued lead with its ids and flags, never its values', async () => {
    // Prepare
    const { queue } = recordingLeadQueue();
    const fetched = lead({ test: true, fetch: { provider: 'meta', id: '1202123456789012345' } });

    // Act
    await enqueue(queue, fetched);
    await enqueue(queue, lead());

    // Assess
    const queued = lines.filter((line) => line.message === 'lead queued');
    expect(queued).toEqual([
      expect.objectContaining({
        leadId: fetched.id,
        sourceId: 'meta-spring',
        fieldCount: 1,
        test: true,
        fetch: 'meta',
      }),
      expect.not.objectContaining({ test: expect.anything(), fetch: expect.anything() }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('ana@example.com');
  });

  it('answers 503 queue_unavailable for a queue that fails with a value that is not an Error', async () => {
    // Prepare
    const queue = { ...recordingLeadQueue().queue, enqueue: () => Promise.reject('down') };

    // Act
    const queued = enqueue(queue, lead()).catch((error: unknown) => error);

    // Assess
    expect(await queued).toBeInstanceOf(HttpError);
    expect(await queued).toMatchObject({ status: 503, code: 'queue_unavailable' });
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'queue unavailable: lead refused with 503', error: 'unknown' }),
    );
  });
});

describe('enqueueAll', () => {
  it('enqueues nothing, and does not fail, for an empty notification', async () => {
    // Prepare
    const { queue, calls } = recordingLeadQueue();

    // Act
    await enqueueAll(queue, [], { concurrency: 5 });

    // Assess
    expect(calls).toEqual([]);
  });
});

describe('newEnvelope, enqueue and enqueueAll: keys, refusals, counters', () => {
  it('keys a lead without a dedupe key by its channel and id', () => {
    // Act
    const envelope = lead();

    // Assess
    expect(envelope.dedupeKey).toBe(`meta:${envelope.id}`);
  });

  it('answers 413 payload_too_large for a lead the queue finds too large', async () => {
    // Prepare
    const queue = {
      ...recordingLeadQueue().queue,
      enqueue: async () => {
        throw new MessageTooLargeError();
      },
    };

    // Act
    const refused = await enqueue(queue, lead()).catch((error: unknown) => error);

    // Assess
    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('counts lead_accepted and enqueue_failed, and logs the queue error in short', async () => {
    // Prepare
    const { queue, failing } = recordingLeadQueue();
    const before = { ...counterValues() };

    // Act
    await enqueue(queue, lead());
    failing('enqueue');
    await enqueue(queue, lead()).catch(() => undefined);

    // Assess
    expect((counterValues().lead_accepted ?? 0) - (before.lead_accepted ?? 0)).toBe(1);
    expect((counterValues().enqueue_failed ?? 0) - (before.enqueue_failed ?? 0)).toBe(1);
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'queue unavailable: lead refused with 503',
        error: 'Error: SQS: enqueue refused',
      }),
    );
  });

  it('starts no envelope after a failure, one at a time by default', async () => {
    // Prepare
    const { queue, failing, calls } = recordingLeadQueue();
    failing('enqueue');
    const seen: string[] = [];

    // Act
    const refused = await enqueueAll(queue, [lead(), lead(), lead()], {
      onBeforeQueue: (envelope) => seen.push(envelope.id),
    }).catch((error: unknown) => error);

    // Assess
    expect(refused).toMatchObject({ status: 503, code: 'queue_unavailable' });
    expect(seen).toHaveLength(1);
    expect(calls).toEqual([]);
  });
});
