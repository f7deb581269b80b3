import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';
import type { Runtime } from '#local/runtime.ts';
import { SANDBOX_TOKEN } from '#local/sandbox/server.ts';
import {
  eventually,
  KNOWN_CUSTOM_FIELD_ID,
  noteSource,
  sandboxLeads,
  sourceReloaded,
  startTestRuntime,
  testWorkspace,
} from '#test/support/runtime.ts';

const namedFields = `channel: partner
partner: { apiKeys: [ACME_KEY] }
lead:
  FirstName: first_name
  LastName: { from: last_name, default: "-" }
  Extra:
    - { name: Budget, from: budget }
    - { name: Shoe size, from: shoe_size }
`;

describe('leadgate against the running one-machine runtime', () => {
  const workspace = testWorkspace({ 'spring-offer': noteSource(), 'acme-partner': namedFields });
  let runtime: Runtime;

  /** Runs the CLI in this process, on the test workspace. */
  const leadgate = async (args: string[], env: Record<string, string> = {}, stdin?: string) => {
    const io = bufferIo({ cwd: workspace.root, env, ...(stdin === undefined ? {} : { stdin }) });
    const code = await main(
      [...args, '--data-dir', workspace.dataDir, '--sources', workspace.sourcesDir],
      io,
    );
    return { code, out: io.stdout(), err: io.stderr() };
  };

  beforeAll(async () => {
    runtime = await startTestRuntime(workspace);
  });
  afterAll(async () => {
    await runtime?.stop();
    workspace.cleanup();
  });

  it('send-test posts a realistic sample lead with an allowed Origin and waits for delivery', async () => {
    // Prepare
    const before = (await sandboxLeads(runtime)).length ?? 0;

    // Act
    const result = await leadgate(['send-test', 'demo-contact', '--wait']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/✔ 202 accepted: lead \w+ for demo-contact \(form\) is queued/);
    expect(result.out).toMatch(/✔ delivered: Onpipeline LeadID \w+/);
    const lead = (await sandboxLeads(runtime))[before];
    expect(lead?.body).toMatchObject({
      FirstName: 'Alex',
      LastName: 'Sample',
      OrgName: 'Example Ltd',
      Email: [{ Address: 'alex.sample@example.com', Type: 'work' }],
    });
    expect(lead?.body.Extra).toContainEqual({ ID: '1411084438', Value: 'send-test' });
  });

  it('status shows queue depths and recent outcomes without personal data', async () => {
    // Prepare
    await leadgate(['send-test', 'demo-contact', '--wait']);

    // Act
    const json = await leadgate(['status', '--json']);
    const text = await leadgate(['status']);

    // Assess
    expect(json.code).toBe(0);
    const status = JSON.parse(json.out);
    expect(status).toMatchObject({ where: 'local', gateway: runtime.gatewayUrl });
    expect(status.queues.deadLetter).toEqual({ visible: expect.any(Number), inFlight: expect.any(Number) });
    expect(status.recent.byOutcome.delivered).toBeGreaterThanOrEqual(2);
    expect(text.code).toBe(0);
    expect(text.out).toContain('leads queue');
    expect(text.out).toMatch(/demo-contact\s+\w+\s+delivered 201\s+Onpipeline LeadID/);
    expect(json.out + text.out).not.toMatch(/Alex|alex\.sample/);
  });

  it('fields pull writes the custom-field cache, reports unknown names, never prints the token', async () => {
    // Prepare
    const cache = join(workspace.sourcesDir, 'custom-fields.json');
    const env = { ONPIPELINE_URL: runtime.sandboxUrl ?? '', ONPIPELINE_TOKEN: SANDBOX_TOKEN };

    // Act
    const missingToken = await leadgate(['fields', 'pull'], { ONPIPELINE_URL: env.ONPIPELINE_URL });
    const wrongToken = await leadgate(['fields', 'pull'], { ...env, ONPIPELINE_TOKEN: 'not-the-token' });
    const pulled = await leadgate(['fields', 'pull'], env);
    const again = await leadgate(['fields', 'pull', '--json'], env);
    const preview = await leadgate(
      ['sources', 'preview', 'demo-contact', '-', '--json'],
      {},
      'first_name=A\nlast_name=B',
    );

    // Assess
    expect(missingToken.code).toBe(1);
    expect(missingToken.err).toContain('ONPIPELINE_TOKEN is not set');
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.err).toContain('ListCustomFields Persons failed (401)');
    expect(wrongToken.out + wrongToken.err).not.toContain('not-the-token');
    expect(pulled.code).toBe(1);
    expect(pulled.out).toContain('Persons: 8 fields, Organizations: 1 field, Deals: 1 field');
    expect(pulled.out).toMatch(
      /acme-partner\.yaml:8 lead\.Extra\[1\]\.name: custom field "Shoe size" does not exist/,
    );
    expect(pulled.out).not.toContain('"Budget"');
    expect(pulled.out + pulled.err).not.toContain(SANDBOX_TOKEN);
    expect(JSON.parse(again.out)).toMatchObject({
      changed: false,
      counts: { Persons: 8, Organizations: 1, Deals: 1 },
    });
    expect(JSON.parse(readFileSync(cache, 'utf8')).tables.Persons).toContainEqual({
      Name: 'Lead source',
      ID: '1411084437',
    });
    expect(JSON.parse(preview.out).leads[0].body.Extra).toContainEqual({
      ID: '1411084437',
      Value: 'Website',
    });
  });

  it('fields push creates the name: custom fields Onpipeline lacks, then refreshes the cache', async () => {
    // Prepare
    const cache = join(workspace.sourcesDir, 'custom-fields.json');
    const sandboxUrl = runtime.sandboxUrl ?? '';
    const env = { ONPIPELINE_URL: sandboxUrl, ONPIPELINE_TOKEN: SANDBOX_TOKEN };
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const listPersons = async () =>
      (
        await (
          await fetch(`${sandboxUrl}/ListCustomFields`, {
            method: 'POST',
            headers: { Authorization: SANDBOX_TOKEN },
            body: JSON.stringify({ Table: 'Persons' }),
          })
        ).json()
      ).Data as { Name: string; ID: string }[];
    const personsBefore = await listPersons();
    const before = (await runtime.sandbox?.stats())?.byEndpoint['/FieldAdd'] ?? 0;

    // Act
    const noToken = await leadgate(['fields', 'push', '--json'], { ONPIPELINE_URL: sandboxUrl });
    const unreachable = await leadgate(['fields', 'push', '--json'], {
      ONPIPELINE_URL: `http://127.0.0.1:${closedPort}`,
      ONPIPELINE_TOKEN: SANDBOX_TOKEN,
    });
    const refused = await leadgate(['fields', 'push', '--json'], {
      ...env,
      ONPIPELINE_TOKEN: 'not-the-token',
    });
    const cacheBeforeDryRun = existsSync(cache) ? readFileSync(cache, 'utf8') : undefined;
    const dryRun = await leadgate(['fields', 'push', '--dry-run'], env);
    const afterDryRun = await listPersons();
    const cacheAfterDryRun = existsSync(cache) ? readFileSync(cache, 'utf8') : undefined;
    const pushed = await leadgate(['fields', 'push'], env);
    const again = await leadgate(['fields', 'push', '--json'], env);
    const check = await leadgate(['sources', 'check']);

    // Assess: clear errors with codes, never the token
    expect(noToken.code).toBe(1);
    expect(JSON.parse(noToken.out).error.code).toBe('token_missing');
    expect(unreachable.code).toBe(1);
    expect(JSON.parse(unreachable.out).error).toMatchObject({
      code: 'onpipeline_unreachable',
      message: expect.stringContaining('ListCustomFields Persons failed'),
    });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.out).error).toMatchObject({
      code: 'onpipeline_refused',
      message: expect.stringContaining('(401): check ONPIPELINE_TOKEN'),
    });
    expect(refused.out + refused.err).not.toContain('not-the-token');
    // the dry run says what it would create and changes nothing
    expect(dryRun.code).toBe(0);
    expect(dryRun.out).toContain('would create 1 Persons custom field with FieldAdd');
    expect(dryRun.out).toContain('+ "Shoe size" (used by acme-partner)');
    expect(dryRun.out).not.toContain('Budget'); // Onpipeline has it (a Deals field)
    expect(afterDryRun).toEqual(personsBefore);
    expect(cacheAfterDryRun).toBe(cacheBeforeDryRun);
    // the push creates it in Persons, once, and the cache resolves it
    expect(pushed.code).toBe(0);
    const id = /created Persons custom field "Shoe size" \(ID (\d+)\) \(used by acme-partner\)/.exec(
      pushed.out,
    )?.[1];
    expect(id).toBeDefined();
    expect(pushed.out).toContain('wrote sources/custom-fields.json (commit it)');
    expect(await listPersons()).toEqual([...personsBefore, { Name: 'Shoe size', ID: id }]);
    expect(JSON.parse(readFileSync(cache, 'utf8')).tables.Persons).toContainEqual({
      Name: 'Shoe size',
      ID: id,
    });
    expect(JSON.parse(again.out)).toMatchObject({ ok: true, created: [], failed: [], changed: false });
    expect(((await runtime.sandbox?.stats())?.byEndpoint['/FieldAdd'] ?? 0) - before).toBe(1);
    expect(check.code).toBe(0);
    expect(pushed.out + pushed.err + dryRun.out + dryRun.err).not.toContain(SANDBOX_TOKEN);
  });

  it('dlq list, show and redrive: a refused lead is found, explained and delivered after a fix', async () => {
    // Prepare
    const posted = await fetch(`${runtime.gatewayUrl}/v1/forms/spring-offer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ first_name: 'Dee', last_name: 'Letter', note: 'spring' }),
    });
    const { id } = (await posted.json()) as { id: string };
    const parked = await eventually(
      async () => {
        const listed = JSON.parse((await leadgate(['dlq', 'list', '--json'])).out);
        return listed.deadLetters.find((letter: { leadId: string }) => letter.leadId === id);
      },
      15_000,
      'the refused lead in the DLQ',
    );

    // Act
    const list = await leadgate(['dlq', 'list']);
    const show = await leadgate(['dlq', 'show', parked.messageId]);
    writeFileSync(join(workspace.sourcesDir, 'spring-offer.yaml'), noteSource(KNOWN_CUSTOM_FIELD_ID));
    await sourceReloaded(runtime, 'spring-offer', { first_name: 'A', last_name: 'B', note: 'x' }, (body) =>
      JSON.stringify(body.Extra).includes('1411084438'),
    );
    const otherSource = await leadgate(['dlq', 'redrive', '--source', 'demo-contact']);
    const redrive = await leadgate(['dlq', 'redrive', '--source', 'spring-offer']);

    // Assess
    expect(parked).toMatchObject({ sourceId: 'spring-offer', reason: 'onpipeline_rejected', status: '406' });
    expect(list.out).toMatch(new RegExp(`${parked.messageId}\\s+spring-offer\\s+onpipeline_rejected`));
    expect(list.out).not.toContain('Dee');
    expect(show.code).toBe(0);
    expect(show.out).toContain('first_name: Dee');
    expect(show.out).toContain('Unknown custom field ID 999999');
    expect(show.out).toContain('a redrive would send this Leadsin body');
    expect(otherSource.out).toContain('moved 0 leads');
    expect(redrive.code).toBe(0);
    expect(redrive.out).toContain('moved 1 lead back to the leads queue');
    const delivered = await eventually(
      async () => (await sandboxLeads(runtime)).find((lead) => lead.body.LastName === 'Letter'),
      15_000,
      'the redriven lead in the sandbox',
    );
    expect(delivered.body.Extra).toEqual([{ ID: '1411084438', Value: 'spring' }]);
    expect(JSON.parse((await leadgate(['dlq', 'list', '--json'])).out).count).toBe(0);
  });

  it('runs as the package bin: executable, with a node shebang, exit codes for scripts', () => {
    // Prepare
    const bin = 'cli/leadgate.ts';

    // Act
    const ok = spawnSync(process.execPath, [bin, 'sources', 'check', '--sources', workspace.sourcesDir], {
      encoding: 'utf8',
    });
    const stopped = spawnSync(process.execPath, [bin, 'status', '--data-dir', join(workspace.root, 'none')], {
      encoding: 'utf8',
    });

    // Assess
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('sources valid');
    expect(stopped.status).toBe(1);
    expect(stopped.stderr).toContain('no running leadgate found');
    expect(existsSync(join(workspace.root, 'none'))).toBe(false);
  });
});
