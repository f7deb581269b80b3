import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';
import type { Runtime } from '#local/runtime.ts';
import { type Sandbox, startSandbox } from '#local/sandbox/server.ts';
import { legacySecretsWarning, localSecretStore } from '#shared/security/secrets.ts';
import { eventually, startTestRuntime, testWorkspace } from '#test/support/runtime.ts';

const partner = (key: string) => `channel: partner
partner: { apiKeys: [${key}] }
lead:
  FirstName: first_name
  LastName: { from: last_name, default: "-" }
`;

const postPartnerLead = (runtime: Runtime, sourceId: string, key: string) =>
  fetch(`${runtime.gatewayUrl}/v1/partners/${sourceId}/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ first_name: 'Ana', last_name: 'Ruiz' }),
  });

/** `leadgate send-test <sourceId>` against the running runtime, in this process, on the workspace. */
async function sendTest(workspace: ReturnType<typeof testWorkspace>, runtime: Runtime, sourceId: string) {
  const io = bufferIo({ cwd: workspace.root, env: {} });
  const code = await main(
    [
      'send-test',
      sourceId,
      '--gateway',
      runtime.gatewayUrl,
      '--sources',
      workspace.sourcesDir,
      '--data-dir',
      workspace.dataDir,
    ],
    io,
  );
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('one secret store per side on one machine (gateway-secrets.env, api-tokens.env)', () => {
  it('keeps the API tokens from the capture side and the gateway secrets from the deliver side', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'leadgate-secrets-'));
    writeFileSync(join(dataDir, 'gateway-secrets.env'), 'ACME_KEY=gateway-only\n');
    writeFileSync(join(dataDir, 'api-tokens.env'), 'ONPIPELINE_TOKEN=api-only\n');

    // Act
    const capture = localSecretStore(dataDir, 'gateway', {});
    const deliver = localSecretStore(dataDir, 'api', {});
    const seen = {
      captureToken: await capture.get('ONPIPELINE_TOKEN'),
      captureKey: await capture.get('ACME_KEY'),
      deliverToken: await deliver.get('ONPIPELINE_TOKEN'),
      deliverKey: await deliver.get('ACME_KEY'),
      warning: legacySecretsWarning(dataDir),
    };
    rmSync(dataDir, { recursive: true, force: true });

    // Assess
    expect(seen).toEqual({
      captureToken: undefined,
      captureKey: 'gateway-only',
      deliverToken: 'api-only',
      deliverKey: undefined,
      warning: undefined,
    });
  });

  it('lets environment variables override both files (development)', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'leadgate-secrets-'));
    writeFileSync(join(dataDir, 'api-tokens.env'), 'ONPIPELINE_TOKEN=from-file\n');

    // Act
    const token = await localSecretStore(dataDir, 'api', { ONPIPELINE_TOKEN: 'from-env' }).get(
      'ONPIPELINE_TOKEN',
    );
    rmSync(dataDir, { recursive: true, force: true });

    // Assess
    expect(token).toBe('from-env');
  });

  describe('the runtime', () => {
    const workspace = testWorkspace({
      'acme-gw': partner('ACME_KEY'),
      'acme-misfiled': partner('MISFILED_KEY'),
    });
    let sandbox: Sandbox;
    let runtime: Runtime;
    beforeAll(async () => {
      sandbox = await startSandbox({ port: 0, token: 'real-looking-token' });
      mkdirSync(workspace.dataDir, { recursive: true });
      writeFileSync(join(workspace.dataDir, 'gateway-secrets.env'), 'ACME_KEY=acme-key-1\n');
      writeFileSync(
        join(workspace.dataDir, 'api-tokens.env'),
        'ONPIPELINE_TOKEN=real-looking-token\nMISFILED_KEY=misfiled-key-1\n',
      );
      runtime = await startTestRuntime(workspace, { onpipelineUrl: sandbox.url });
    });
    afterAll(async () => {
      await runtime?.stop();
      await sandbox?.stop();
      workspace.cleanup();
    });

    it('verifies partner keys with gateway-secrets.env only, and delivers with the token of api-tokens.env', async () => {
      // Act
      const accepted = await postPartnerLead(runtime, 'acme-gw', 'acme-key-1');
      const misfiled = await postPartnerLead(runtime, 'acme-misfiled', 'misfiled-key-1');

      // Assess
      expect(accepted.status).toBe(202);
      expect(misfiled.status).toBe(503);
      expect((await misfiled.json()).error.code).toBe('auth_unavailable');
      expect(runtime.warnings).toEqual([]);
      await eventually(() => sandbox.leads().length === 1, 10_000, 'the lead delivered with the api token');
    });

    it('signs send-test with the gateway secrets, not the API tokens', async () => {
      // Act
      const signed = await sendTest(workspace, runtime, 'acme-gw');
      const misfiled = await sendTest(workspace, runtime, 'acme-misfiled');

      // Assess
      expect(signed.code).toBe(0);
      expect(misfiled.code).toBe(1);
      expect(misfiled.err).toContain('MISFILED_KEY is not set');
      expect(misfiled.err).toContain('gateway-secrets.env');
      expect(misfiled.err).not.toContain('misfiled-key-1');
    });
  });

  describe('an old .leadgate/secrets.env', () => {
    const workspace = testWorkspace({ 'acme-gw': partner('ACME_KEY') });
    let runtime: Runtime;
    beforeAll(async () => {
      mkdirSync(workspace.dataDir, { recursive: true });
      writeFileSync(join(workspace.dataDir, 'secrets.env'), 'ACME_KEY=legacy-key-1\n');
      runtime = await startTestRuntime(workspace);
    });
    afterAll(async () => {
      await runtime?.stop();
      workspace.cleanup();
    });

    it('still works for both sides, with one warning that says how to split it (and no value)', async () => {
      // Act
      const accepted = await postPartnerLead(runtime, 'acme-gw', 'legacy-key-1');
      const sent = await sendTest(workspace, runtime, 'acme-gw');

      const deliverSide = await localSecretStore(workspace.dataDir, 'api', {}).get('ACME_KEY');

      // Assess
      expect(accepted.status).toBe(202);
      expect(deliverSide).toBe('legacy-key-1');
      expect(runtime.warnings).toHaveLength(1);
      const [warning] = runtime.warnings;
      expect(warning).toContain('secrets.env is deprecated');
      expect(warning).toContain('gateway-secrets.env');
      expect(warning).toContain('api-tokens.env');
      expect(warning).not.toContain('legacy-key-1');
      expect(sent.code).toBe(0);
      expect(sent.err.match(/deprecated/g)).toHaveLength(1);
      expect(sent.err).not.toContain('legacy-key-1');
    });
  });
});
