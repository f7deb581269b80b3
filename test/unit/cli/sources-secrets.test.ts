import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bufferIo } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';

const acmePartner = `channel: partner
partner:
  apiKeys: [ACME_API_KEY]
lead:
  FirstName: first_name
  LastName: last_name
`;

const metaSpring = `channel: meta
meta:
  pageId: "104345678901234"
  pageToken: META_SPRING_PAGE_TOKEN
lead:
  FirstName: first_name
  LastName: last_name
`;

const KEY_VALUE = 'acme-key-value-never-printed-7f3a';
const VERIFY_VALUE = 'verify-token-value-never-printed-9c1e';

describe('leadgate sources check: secrets missing on this machine', () => {
  const folders: string[] = [];
  /** A project folder with sources/<id>.yaml and optional .leadgate/<file> secret files. */
  const project = (sources: Record<string, string>, secretFiles: Record<string, string> = {}) => {
    const root = mkdtempSync(join(tmpdir(), 'leadgate-secrets-'));
    folders.push(root);
    mkdirSync(join(root, 'sources'));
    mkdirSync(join(root, '.leadgate'));
    for (const [id, yaml] of Object.entries(sources))
      writeFileSync(join(root, 'sources', `${id}.yaml`), yaml);
    for (const [file, text] of Object.entries(secretFiles))
      writeFileSync(join(root, '.leadgate', file), text);
    return root;
  };
  const run = async (root: string, args: string[], env: Record<string, string> = {}) => {
    const io = bufferIo({ cwd: root, env });
    const code = await main(args, io);
    return { code, out: io.stdout(), err: io.stderr() };
  };
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  it('warns about a partner key that is not set, naming the secret and the file it goes into, and exits 0', async () => {
    // Prepare
    const root = project({ acme: acmePartner });

    // Act
    const result = await run(root, ['sources', 'check']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      'warning sources/acme.yaml partner.apiKeys: secret ACME_API_KEY is not set (a gateway secret): ' +
        'add a line ACME_API_KEY=<value> to .leadgate/gateway-secrets.env or set it in the environment',
    );
    expect(result.out).toContain('✔ 1 source valid: acme');
  });

  it('says nothing about a key that is in gateway-secrets.env, and never prints its value', async () => {
    // Prepare
    const root = project({ acme: acmePartner }, { 'gateway-secrets.env': `ACME_API_KEY=${KEY_VALUE}\n` });

    // Act
    const text = await run(root, ['sources', 'check']);
    const json = await run(root, ['sources', 'check', '--json']);

    // Assess
    expect(text.out).not.toContain('ACME_API_KEY');
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, warnings: [], missingSecrets: [] });
    for (const output of [text.out, text.err, json.out, json.err]) expect(output).not.toContain(KEY_VALUE);
  });

  it('counts a key stored in the wrong file as missing, and an environment variable as set', async () => {
    // Prepare: the partner key sits in api-tokens.env, which the gateway never reads
    const root = project({ acme: acmePartner }, { 'api-tokens.env': `ACME_API_KEY=${KEY_VALUE}\n` });

    // Act
    const wrongFile = await run(root, ['sources', 'check']);
    const fromEnvironment = await run(root, ['sources', 'check'], { ACME_API_KEY: KEY_VALUE });

    // Assess
    expect(wrongFile.out).toContain('secret ACME_API_KEY is not set');
    expect(fromEnvironment.out).not.toContain('ACME_API_KEY');
    for (const output of [wrongFile.out, fromEnvironment.out]) expect(output).not.toContain(KEY_VALUE);
  });

  it("lists a meta source's channel secrets for gateway-secrets.env and its page token for api-tokens.env", async () => {
    // Prepare
    const root = project(
      { 'meta-spring': metaSpring },
      { 'gateway-secrets.env': `META_VERIFY_TOKEN=${VERIFY_VALUE}\n` },
    );

    // Act
    const text = await run(root, ['sources', 'check']);
    const json = await run(root, ['sources', 'check', '--json']);

    // Assess
    expect(text.code).toBe(0);
    expect(text.out).toContain(
      'warning sources/meta-spring.yaml: secret META_APP_SECRET is not set (a gateway secret every meta source ' +
        'needs): add a line META_APP_SECRET=<value> to .leadgate/gateway-secrets.env',
    );
    expect(text.out).toContain(
      'warning sources/meta-spring.yaml meta.pageToken: secret META_SPRING_PAGE_TOKEN is not set (an API ' +
        'token): add a line META_SPRING_PAGE_TOKEN=<value> to .leadgate/api-tokens.env',
    );
    expect(text.out).not.toContain('META_VERIFY_TOKEN');
    expect(JSON.parse(json.out).missingSecrets).toEqual([
      {
        sourceId: 'meta-spring',
        channel: 'meta',
        missing: [
          { name: 'META_APP_SECRET', side: 'gateway' },
          { name: 'META_SPRING_PAGE_TOKEN', side: 'api', setting: 'meta.pageToken' },
        ],
      },
    ]);
    expect(`${text.out}${json.out}`).not.toContain(VERIFY_VALUE);
  });
});
