import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '#local/poller.ts';
import { DELIVERED_KEY_TTL_SECONDS, sendOnce } from '#shared/idempotency/send-once.ts';
import { SqlitePersistenceLayer } from '#shared/idempotency/sqlite-persistence.ts';
import type { DeliveryOutcome } from '#shared/onpipeline/outcome.ts';
import type { LeadsinBody } from '#shared/onpipeline/schema.ts';

/**
 * The idempotency layer on its own (docs/operations.md, "Delivery guarantees"): a delivered key is
 * never sent again, a key in progress makes a second worker retry later, a failed attempt releases
 * the key, a delivered key is forgotten after its TTL, and a dead worker's key can be taken again.
 * The one-machine SQLite store and the DynamoDB store on AWS must pass the same tests.
 */

interface OpenStore {
  store: BasePersistenceLayer;
  close(): Promise<void>;
}

/** Powertools' DynamoDB layer against dynalite, over a table laid out like infra/stack.ts's (id key, TTL `expiration`). */
async function dynamoStore(): Promise<OpenStore> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tableName = 'leadgate-idempotency';
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return {
    store: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client }),
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function sqliteStore(): Promise<OpenStore> {
  const store = new SqlitePersistenceLayer(':memory:');
  return { store, close: async () => store.close() };
}

const delivered = (leadId: string): DeliveryOutcome => ({ kind: 'delivered', status: 201, leadId });
const body: LeadsinBody = { FirstName: 'Ada', LastName: 'Lovelace' };

/** A Leadsin send answering from `answers` in turn (the last one repeats), counting its calls. */
function scriptedSend(...answers: DeliveryOutcome[]) {
  const calls: LeadsinBody[] = [];
  const send = async (sent: LeadsinBody) => {
    calls.push(sent);
    return answers[Math.min(calls.length, answers.length) - 1] ?? delivered('op-1');
  };
  return { send, calls };
}

/** A send that stays in flight until `finish` is called (a worker mid-request). */
function heldSend() {
  let finish: (outcome: DeliveryOutcome) => void = () => undefined;
  let started: () => void = () => undefined;
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const calls: LeadsinBody[] = [];
  const send = (sent: LeadsinBody) => {
    calls.push(sent);
    started();
    return new Promise<DeliveryOutcome>((resolve) => {
      finish = resolve;
    });
  };
  return { send, calls, running, finish: (outcome: DeliveryOutcome) => finish(outcome) };
}

describe.each([
  ['the SQLite store (one machine)', sqliteStore],
  ['the DynamoDB store (dynalite)', dynamoStore],
])('sendOnce over %s', (_name, open) => {
  let opened: OpenStore;
  beforeAll(async () => {
    opened = await open();
  });
  afterAll(async () => {
    await opened.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const key = () => `form:${randomUUID()}`;

  it('sends a delivered key once and replays its LeadID afterwards', async () => {
    // Prepare
    const { send, calls } = scriptedSend(delivered('op-42'));
    const once = sendOnce(opened.store, send);
    const dedupeKey = key();

    // Act
    const first = await once(dedupeKey, body);
    const second = await once(dedupeKey, body);

    // Assess
    expect(calls).toHaveLength(1);
    expect(first).toEqual({ outcome: delivered('op-42'), replayed: false });
    expect(second).toEqual({ outcome: delivered('op-42'), replayed: true });
  });

  it('remembers a 409 duplicate as delivered too', async () => {
    // Prepare
    const { send, calls } = scriptedSend({ kind: 'duplicate', status: 409, message: 'exists' });
    const once = sendOnce(opened.store, send);
    const dedupeKey = key();

    // Act
    await once(dedupeKey, body);
    const again = await once(dedupeKey, body);

    // Assess
    expect(calls).toHaveLength(1);
    expect(again).toMatchObject({ outcome: { kind: 'duplicate' }, replayed: true });
  });

  it.each([
    ['transient', { kind: 'transient', status: 503, message: 'down', ambiguous: false }],
    ['configuration', { kind: 'configuration', status: 401, message: 'bad token' }],
    ['permanent', { kind: 'permanent', status: 406, reason: 'onpipeline_rejected', message: 'Invalid' }],
  ] as const)(
    'releases the key after a %s failure, so the next attempt sends again',
    async (_kind, failure) => {
      // Prepare
      const { send, calls } = scriptedSend(failure, delivered('op-7'));
      const once = sendOnce(opened.store, send);
      const dedupeKey = key();

      // Act
      const failed = await once(dedupeKey, body);
      const retried = await once(dedupeKey, body);
      const replayed = await once(dedupeKey, body);

      // Assess
      expect(failed).toEqual({ outcome: failure, replayed: false });
      expect(retried).toEqual({ outcome: delivered('op-7'), replayed: false });
      expect(replayed).toEqual({ outcome: delivered('op-7'), replayed: true });
      expect(calls).toHaveLength(2);
    },
  );

  it('tells a second worker to retry later while the key is in progress, without sending', async () => {
    // Prepare: the first worker is mid-request
    const held = heldSend();
    const once = sendOnce(opened.store, held.send);
    const dedupeKey = key();
    const first = once(dedupeKey, body, lambdaContext('leadgate-deliver', 30));
    await held.running;

    // Act
    const concurrent = await once(dedupeKey, body, lambdaContext('leadgate-deliver', 30));
    held.finish(delivered('op-9'));
    const finished = await first;
    const later = await once(dedupeKey, body);

    // Assess
    expect(concurrent).toEqual({
      outcome: { kind: 'transient', message: 'the same lead is being delivered right now', ambiguous: false },
      replayed: false,
    });
    expect(held.calls).toHaveLength(1);
    expect(finished).toEqual({ outcome: delivered('op-9'), replayed: false });
    expect(later).toEqual({ outcome: delivered('op-9'), replayed: true });
  });

  it("lets another worker take a key whose worker died (in progress beyond the Lambda's remaining time)", async () => {
    // Prepare: a worker with 2 s left starts sending and never finishes
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-12-04T10:00:00Z') });
    const dead = heldSend();
    const dedupeKey = key();
    void sendOnce(opened.store, dead.send)(dedupeKey, body, lambdaContext('leadgate-deliver', 2));
    await dead.running;
    const { send, calls } = scriptedSend(delivered('op-11'));
    const once = sendOnce(opened.store, send);
    const tooEarly = await once(dedupeKey, body, lambdaContext('leadgate-deliver', 30));

    // Act: 3 s later the first worker's time is up
    vi.setSystemTime(Date.parse('2026-12-04T10:00:03Z'));
    const taken = await once(dedupeKey, body, lambdaContext('leadgate-deliver', 30));

    // Assess
    expect(tooEarly.outcome).toMatchObject({
      kind: 'transient',
      message: expect.stringContaining('right now'),
    });
    expect(taken).toEqual({ outcome: delivered('op-11'), replayed: false });
    expect(calls).toHaveLength(1);
  });

  it('forgets a delivered key once its TTL has passed, not before', async () => {
    // Prepare
    const start = Date.parse('2026-12-04T10:00:00Z');
    vi.useFakeTimers({ toFake: ['Date'], now: start });
    const { send, calls } = scriptedSend(delivered('op-1'), delivered('op-2'));
    const once = sendOnce(opened.store, send);
    const dedupeKey = key();
    await once(dedupeKey, body);

    // Act
    vi.setSystemTime(start + (DELIVERED_KEY_TTL_SECONDS - 60) * 1000);
    const beforeExpiry = await once(dedupeKey, body);
    vi.setSystemTime(start + (DELIVERED_KEY_TTL_SECONDS + 60) * 1000);
    const afterExpiry = await once(dedupeKey, body);

    // Assess
    expect(beforeExpiry).toEqual({ outcome: delivered('op-1'), replayed: true });
    expect(afterExpiry).toEqual({ outcome: delivered('op-2'), replayed: false });
    expect(calls).toHaveLength(2);
  });

  it('keeps different keys apart', async () => {
    // Prepare
    const { send, calls } = scriptedSend(delivered('op-a'), delivered('op-b'));
    const once = sendOnce(opened.store, send);

    // Act
    const a = await once(key(), body);
    const b = await once(key(), body);

    // Assess
    expect([a, b]).toEqual([
      { outcome: delivered('op-a'), replayed: false },
      { outcome: delivered('op-b'), replayed: false },
    ]);
    expect(calls).toHaveLength(2);
  });
});

describe('sendOnce.delivered: what deliver asks before fetching or mapping a lead', () => {
  it.each([
    [
      'a 201',
      { kind: 'delivered', status: 201, leadId: 'op-5' },
      { kind: 'delivered', status: 201, leadId: 'op-5' },
    ],
    [
      'a 409',
      { kind: 'duplicate', status: 409, message: 'exists' },
      { kind: 'duplicate', status: 409, message: 'duplicate' },
    ],
  ] as const)('answers the recorded outcome of a key delivered with %s', async (_case, answer, recorded) => {
    // Prepare
    const store = new SqlitePersistenceLayer(':memory:');
    const { send } = scriptedSend(answer);
    const once = sendOnce(store, send);
    await once('meta:1', body);

    // Act
    const found = await once.delivered('meta:1');
    store.close();

    // Assess
    expect(found).toEqual(recorded);
  });

  it('answers nothing for a key never sent, or still in progress', async () => {
    // Prepare
    const store = new SqlitePersistenceLayer(':memory:');
    const held = heldSend();
    const once = sendOnce(store, held.send);
    const sending = once('meta:2', body);
    await held.running;

    // Act
    const inProgress = await once.delivered('meta:2');
    const unknown = await once.delivered('meta:3');
    held.finish(delivered('op-2'));
    await sending;
    store.close();

    // Assess
    expect(inProgress).toBeUndefined();
    expect(unknown).toBeUndefined();
  });

  it('answers nothing when the store cannot be read, so the send decides', async () => {
    // Prepare
    const store = new SqlitePersistenceLayer(':memory:');
    const once = sendOnce(store, scriptedSend().send);
    store.close();

    // Act
    const found = await once.delivered('meta:4');

    // Assess
    expect(found).toBeUndefined();
  });
});

describe('sendOnce with a store that is down', () => {
  it('fails the attempt without sending, so SQS offers the lead again', async () => {
    // Prepare
    const store = new SqlitePersistenceLayer(':memory:');
    const { send, calls } = scriptedSend();
    const once = sendOnce(store, send);
    store.close();

    // Act
    const attempt = once('form:down', body);

    // Assess
    await expect(attempt).rejects.toThrow('Failed to save in progress record to idempotency store');
    expect(calls).toEqual([]);
  });
});
