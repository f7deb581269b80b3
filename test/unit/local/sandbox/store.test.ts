import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LeadStore } from '#local/sandbox/store.ts';

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function dataFile(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'leadgate-store-'));
  folders.push(folder);
  return join(folder, 'leads.jsonl');
}

const body = (lastName: string) => ({ FirstName: 'Ana', LastName: lastName });

describe('LeadStore', () => {
  it('holds only the newest leads in memory, and keeps every one in its data file', async () => {
    // Prepare
    const file = await dataFile();
    const store = await LeadStore.open(file, 3);

    // Act
    for (const name of ['A', 'B', 'C', 'D', 'E']) store.add(body(name));

    // Assess
    expect(store.all().map((lead) => lead.body.LastName)).toEqual(['C', 'D', 'E']);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { body: { LastName: string } }).body.LastName)).toEqual([
      'A',
      'B',
      'C',
      'D',
      'E',
    ]);
  });

  it('reloads the newest leads of its data file, oldest first, skipping a torn line', async () => {
    // Prepare
    const file = await dataFile();
    const first = await LeadStore.open(file, 10);
    for (const name of ['A', 'B', 'C', 'D']) first.add(body(name));
    await appendFile(file, '{"leadId":"torn');

    // Act
    const again = await LeadStore.open(file, 2);

    // Assess
    expect(again.all().map((lead) => lead.body.LastName)).toEqual(['C', 'D']);
  });

  it('refuses a limit that is not a whole number of leads', async () => {
    await expect(LeadStore.open(undefined, 0)).rejects.toThrow(RangeError);
  });
});
