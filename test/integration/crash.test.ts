import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '#test/support/runtime.ts';

const SOURCE = `channel: form
form: { allowedOrigins: ["*"] }
lead: { FirstName: first_name, LastName: last_name }
`;

/** `npm start`'s entry point as its own process, on free ports, with state in `dataDir`. */
function startProcess(dataDir: string, sourcesDir: string): ChildProcess {
  rmSync(join(dataDir, 'runtime.json'), { force: true });
  return spawn(process.execPath, ['local/start.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      SANDBOX_PORT: '0',
      QUEUE_PORT: '0',
      SOURCES_DIR: sourcesDir,
      LEADGATE_DATA_DIR: dataDir,
      LEADGATE_VISIBILITY_TIMEOUT: '3',
      LEADGATE_DELIVER_TIMEOUT: '3',
      LEADGATE_POLL_WAIT: '1',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      RATE_LIMIT_RPS: '0',
    },
    stdio: 'ignore',
  });
}

async function endpoints(dataDir: string) {
  const file = join(dataDir, 'runtime.json');
  // runtime.json may be seen half-written: read it until it parses
  return eventually(
    () =>
      existsSync(file)
        ? (JSON.parse(readFileSync(file, 'utf8')) as { gatewayUrl: string; sandboxUrl: string })
        : undefined,
    20_000,
    'the runtime to start',
  );
}

/**
 * The idempotency record key deliver writes for a form lead: Powertools hashes the dedupe key
 * (`form:<lead id>`, shared/channels/common/enqueue.ts) with MD5 behind the `leadgate-deliver` prefix
 * (shared/idempotency/send-once.ts).
 */
function storeKey(leadId: string): string {
  const hash = createHash('md5')
    .update(JSON.stringify(`form:${leadId}`))
    .digest('base64');
  return `leadgate-deliver#${hash}`;
}

/** Status of every key in the runtime's idempotency store (`<dataDir>/idempotency.sqlite`). */
function storeStatuses(dataDir: string): Map<string, string> {
  const file = join(dataDir, 'idempotency.sqlite');
  if (!existsSync(file)) return new Map();
  const db = new DatabaseSync(file);
  try {
    const rows = db.prepare('SELECT id, status FROM idempotency').all() as { id: string; status: string }[];
    return new Map(rows.map((row) => [row.id, row.status]));
  } finally {
    db.close();
  }
}

/** The LastNames the sandbox had stored (`<dataDir>/sandbox-leads.jsonl`, appended before it answers). */
function sandboxFileLastNames(dataDir: string): string[] {
  const file = join(dataDir, 'sandbox-leads.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [(JSON.parse(line) as { body: { LastName: string } }).body.LastName];
      } catch {
        return []; // a line torn by the kill
      }
    });
}

async function sandboxLastNames(sandboxUrl: string): Promise<string[]> {
  const leads = (await (await fetch(`${sandboxUrl}/_sandbox/leads`)).json()) as {
    body: { LastName: string };
  }[];
  return leads.map((lead) => lead.body.LastName);
}

describe('the one-machine runtime killed with SIGKILL mid-delivery', () => {
  const root = mkdtempSync(join(tmpdir(), 'leadgate-crash-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('loses no accepted lead after a restart, and duplicates only leads sent but not yet recorded at the kill', {
    timeout: 180_000,
  }, async () => {
    // Prepare
    const sourcesDir = join(root, 'sources');
    const dataDir = join(root, 'state');
    mkdirSync(sourcesDir, { recursive: true });
    writeFileSync(join(sourcesDir, 'crash.yaml'), SOURCE);
    const first = startProcess(dataDir, sourcesDir);
    children.push(first);
    const { gatewayUrl } = await endpoints(dataDir);
    const accepted = new Map<string, string>(); // LastName → lead id
    let next = 0;
    const post = async () => {
      while (next < 400) {
        const name = `crash-${next++}`;
        const response = await fetch(`${gatewayUrl}/v1/forms/crash`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ first_name: 'Crash', last_name: name }),
        }).catch(() => undefined);
        if (response?.status === 202) accepted.set(name, ((await response.json()) as { id: string }).id);
      }
    };

    // Act: kill the process while leads are still being posted and delivered
    const posting = Promise.all(Array.from({ length: 8 }, post));
    await eventually(
      () => accepted.size >= 150 && sandboxFileLastNames(dataDir).length >= 50,
      60_000,
      '150 accepted leads, 50 of them in Onpipeline',
    );
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    await posting;
    // What the dead process left: the leads Onpipeline (the sandbox) stored, and the keys deliver recorded
    const storedAtKill = new Set(sandboxFileLastNames(dataDir));
    const keysAtKill = storeStatuses(dataDir);
    const second = startProcess(dataDir, sourcesDir);
    children.push(second);
    const { sandboxUrl } = await endpoints(dataDir);

    // Assess
    const delivered = await eventually(
      async () => {
        const names = await sandboxLastNames(sandboxUrl);
        return [...accepted.keys()].every((name) => names.includes(name)) ? names : undefined;
      },
      90_000,
      'every accepted lead in the sandbox',
    );
    const copies = new Map<string, number>();
    for (const name of delivered) copies.set(name, (copies.get(name) ?? 0) + 1);
    const duplicated = [...copies].filter(([, times]) => times > 1).map(([name]) => name);
    const statusAtKill = (name: string) => keysAtKill.get(storeKey(accepted.get(name) ?? '')) ?? 'none';
    const inFlightAtKill = [...accepted.keys()].filter((name) => statusAtKill(name) === 'INPROGRESS');
    console.info(
      `SIGKILL: ${accepted.size} accepted, ${storedAtKill.size} in Onpipeline at the kill, ` +
        `${inFlightAtKill.length} keys in progress at the kill, ${delivered.length} in Onpipeline, ` +
        `${duplicated.length} duplicated`,
    );
    expect([...accepted.keys()].filter((name) => !copies.has(name))).toEqual([]);
    // The store was in use: by the kill it had recorded delivered keys, and afterwards every accepted
    // lead's key is recorded as delivered (a runtime without its store would fail here).
    expect([...keysAtKill.values()].filter((status) => status === 'COMPLETED').length).toBeGreaterThan(0);
    await eventually(
      () => {
        const keys = storeStatuses(dataDir);
        return [...accepted.values()].every((id) => keys.get(storeKey(id)) === 'COMPLETED');
      },
      10_000,
      "every accepted lead's key recorded as delivered",
    );
    // Deliver sends, then records the key (Leadsin takes no idempotency key). The one duplicate that
    // order allows is a lead the kill caught in between: Onpipeline had stored its first copy, and its
    // key was still in progress, not recorded as delivered. Any other duplicate is a real one.
    expect(
      duplicated
        .filter((name) => !storedAtKill.has(name) || statusAtKill(name) !== 'INPROGRESS')
        .map(
          (name) => `${name}: ${storedAtKill.has(name) ? 'stored' : 'not stored'}, key ${statusAtKill(name)}`,
        ),
    ).toEqual([]);
    second.kill('SIGTERM');
  });
});
