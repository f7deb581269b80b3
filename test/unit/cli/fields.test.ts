import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bufferIo } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';
import { SANDBOX_TOKEN, type Sandbox, startSandbox } from '#local/sandbox/server.ts';

const partner = (names: string[]) => `channel: partner
partner: { apiKeys: [ACME_KEY] }
lead:
  FirstName: first_name
  LastName: last_name
  Extra:
${names.map((name) => `    - { name: "${name}", value: x }`).join('\n')}
`;

describe('leadgate fields push', () => {
  const folders: string[] = [];
  const sandboxes: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.stop()));
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  const setup = async (sources: Record<string, string>) => {
    const sandbox = await startSandbox({ port: 0 });
    sandboxes.push(sandbox);
    const root = mkdtempSync(join(tmpdir(), 'leadgate-fields-'));
    folders.push(root);
    mkdirSync(join(root, 'sources'));
    for (const [id, yaml] of Object.entries(sources))
      writeFileSync(join(root, 'sources', `${id}.yaml`), yaml);
    const run = async (args: string[]) => {
      const io = bufferIo({
        cwd: root,
        env: { ONPIPELINE_URL: sandbox.url, ONPIPELINE_TOKEN: SANDBOX_TOKEN },
      });
      const code = await main(args, io);
      return { code, out: io.stdout(), err: io.stderr() };
    };
    const cache = () => JSON.parse(readFileSync(join(root, 'sources', 'custom-fields.json'), 'utf8'));
    return { sandbox, run, cache };
  };

  it('does not create a name one typo away from an existing field, and says which it probably means', async () => {
    // Prepare
    const { sandbox, run } = await setup({ acme: partner(['Lead sorce', 'Webinar']) });

    // Act
    const text = await run(['fields', 'push']);
    const json = await run(['fields', 'push', '--json']);

    // Assess
    expect(text.code).toBe(1);
    expect(text.out).toContain('✘ "Lead sorce" not created: did you mean "Lead source"? (used by acme)');
    expect(text.out).toContain('created Persons custom field "Webinar"');
    expect(JSON.parse(json.out)).toMatchObject({
      ok: false,
      similar: [{ name: 'Lead sorce', closest: 'Lead source', sources: ['acme'] }],
      created: [],
    });
    expect(sandbox.stats().byEndpoint['/FieldAdd']).toBe(1);
  });

  it('creates it anyway with --force, once per name however the sources spell it', async () => {
    // Prepare
    const { sandbox, run, cache } = await setup({
      acme: partner(['Lead sorce']),
      beta: partner(['lead SORCE', 'Budget']),
    });

    // Act
    const result = await run(['fields', 'push', '--force', '--json']);

    // Assess
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.out);
    expect(answer).toMatchObject({
      ok: true,
      table: 'Persons',
      created: [
        { name: 'Lead sorce', sources: ['acme', 'beta'], existed: false, id: expect.stringMatching(/^\d+$/) },
      ],
      changed: true,
    });
    expect(cache().tables.Persons).toContainEqual({ Name: 'Lead sorce', ID: answer.created[0].id });
    expect(sandbox.stats().byEndpoint['/FieldAdd']).toBe(1);
  });

  it('says so when Onpipeline has every name already', async () => {
    // Prepare
    const { run } = await setup({ acme: partner(['Lead source', 'GCLID']) });

    // Act
    const result = await run(['fields', 'push']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.out).toContain('✔ Onpipeline has all 2 name: custom fields the sources use');
  });

  it('refuses an unknown option as wrong usage (exit 2)', async () => {
    // Prepare
    const { run } = await setup({ acme: partner(['Lead source']) });

    // Act
    const result = await run(['fields', 'push', '--dryrun']);

    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toContain('leadgate fields push --help');
  });

  it('is listed in the help, with its options', async () => {
    // Prepare
    const io = bufferIo();
    const command = bufferIo();

    // Act
    await main(['--help'], io);
    const code = await main(['fields', 'push', '--help'], command);

    // Assess
    expect(io.stdout()).toContain('fields push [--dry-run]');
    expect(code).toBe(0);
    expect(command.stdout()).toContain('--dry-run');
    expect(command.stdout()).toContain('--force');
  });
});
