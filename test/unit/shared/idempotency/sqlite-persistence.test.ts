import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { afterEach, describe, expect, it } from 'vitest';
import { sendOnce } from '#shared/idempotency/send-once.ts';
import { SqlitePersistenceLayer } from '#shared/idempotency/sqlite-persistence.ts';
import type { DeliveryOutcome } from '#shared/onpipeline/outcome.ts';
import type { LeadsinBody } from '#shared/onpipeline/schema.ts';

/**
 * The one-machine idempotency store as a file and as a Powertools persistence layer: what `npm start`
 * relies on across restarts, and the Powertools features leadgate's own send does not use
 * (payload validation, functions that return nothing). send-once.test.ts holds the shared rules.
 */

const body: LeadsinBody = { FirstName: 'Ada', LastName: 'Lovelace' };
const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('SqlitePersistenceLayer in a file', () => {
  it('creates its folder, and remembers a delivered key after the process reopens the file', async () => {
    // Prepare
    const folder = mkdtempSync(join(tmpdir(), 'leadgate-idempotency-'));
    folders.push(folder);
    const file = join(folder, 'state', 'nested', 'idempotency.sqlite');
    const sent: LeadsinBody[] = [];
    const send = async (lead: LeadsinBody): Promise<DeliveryOutcome> => {
      sent.push(lead);
      return { kind: 'delivered', status: 201, leadId: 'op-1' };
    };
    const before = new SqlitePersistenceLayer(file);
    await sendOnce(before, send)('form:restart', body);
    before.close();

    // Act
    const after = new SqlitePersistenceLayer(file);
    const again = await sendOnce(after, send)('form:restart', body);
    after.close();

    // Assess
    expect(sent).toHaveLength(1);
    expect(again).toEqual({ outcome: { kind: 'delivered', status: 201, leadId: 'op-1' }, replayed: true });
  });
});

describe('SqlitePersistenceLayer as a Powertools persistence layer', () => {
  it('replays a function that returned nothing without running it again', async () => {
    // Prepare
    const store = new SqlitePersistenceLayer(':memory:');
    let runs = 0;
    const idempotent = makeIdempotent(
      async (_event: { id: string }) => {
        runs += 1;
      },
      { persistenceStore: store, config: new IdempotencyConfig({ eventKeyJmesPath: 'id' }) },
    );

    // Act
    const first = await idempotent({ id: 'a' });
    const second = await idempotent({ id: 'a' });
    store.close();

    // Assess
    expect([first, second]).toEqual([undefined, undefined]);
    expect(runs).toBe(1);
  });

  it('refuses a replay whose payload differs from the recorded one when payload validation is on', async () => {
    // Prepare
    const store = new SqlitePersistenceLayer(':memory:');
    const idempotent = makeIdempotent(async (event: { id: string; amount: number }) => event.amount * 2, {
      persistenceStore: store,
      config: new IdempotencyConfig({ eventKeyJmesPath: 'id', payloadValidationJmesPath: 'amount' }),
    });

    // Act
    const first = await idempotent({ id: 'a', amount: 1 });
    const same = await idempotent({ id: 'a', amount: 1 });
    const changed = idempotent({ id: 'a', amount: 2 });

    // Assess
    expect([first, same]).toEqual([2, 2]);
    await expect(changed).rejects.toBeInstanceOf(IdempotencyValidationError);
    store.close();
  });
});
