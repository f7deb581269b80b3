import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AppConfigClient,
  CreateHostedConfigurationVersionCommand,
  StartDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bufferIo } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';
import { type FakeAppConfig, startFakeAppConfig } from '#local/fakes/appconfig.ts';
import { leadDelivery } from '#shared/delivery/deliver.ts';
import type { OnpipelineClient } from '#shared/onpipeline/client.ts';
import { customFieldNames } from '#shared/onpipeline/custom-fields.ts';
import {
  appConfigSourceRegistry,
  BUNDLED_VERSION,
  type VersionedSourceRegistry,
} from '#shared/sources/appconfig.ts';
import { loadSources } from '#shared/sources/loader.ts';
import { parsePublishedDocument } from '#shared/sources/published.ts';
import { logger } from '#shared/telemetry.ts';
import { envelopeFactory, recordingLeadQueue, sqsRecordFactory } from '#test/support/queue.ts';

const ids = { application: 'app1234', environment: 'env1234', profile: 'prof123', strategy: 'strat12' };
const credentials = { accessKeyId: 'test-key', secretAccessKey: 'test-secret' };

const form = (firstName: string) => `channel: form
form: { allowedOrigins: ["https://www.example.com"] }
lead:
  FirstName: ${firstName}
  LastName: last_name
`;

describe('published sources: leadgate sources publish/history/rollback and the functions reading AppConfig', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A stand-in AppConfig, a sources folder, the CLI pointed at both, and a function's registry. */
  async function setup(files: Record<string, string>, options: { holdDeployments?: boolean } = {}) {
    const fake: FakeAppConfig = await startFakeAppConfig({ ...ids, ...options });
    const root = mkdtempSync(join(tmpdir(), 'leadgate-publish-'));
    const sourcesDir = join(root, 'sources');
    const dataDir = join(root, '.leadgate');
    writeFiles(sourcesDir, files);
    cleanups.push(
      () => fake.close(),
      () => rmSync(root, { recursive: true, force: true }),
    );
    const env = {
      AWS_ENDPOINT_URL_APPCONFIG: fake.url,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      LEADGATE_APPCONFIG_APPLICATION: ids.application,
      LEADGATE_APPCONFIG_ENVIRONMENT: ids.environment,
      LEADGATE_APPCONFIG_PROFILE: ids.profile,
      LEADGATE_APPCONFIG_STRATEGY: ids.strategy,
    };
    const leadgate = async (...args: string[]) => {
      const io = bufferIo({ cwd: root, env });
      const code = await main([...args, '--sources', sourcesDir, '--data-dir', dataDir, '--by', 'ops'], io);
      return { code, out: io.stdout(), err: io.stderr() };
    };
    let clock = 0;
    const registry: VersionedSourceRegistry = appConfigSourceRegistry({
      target: ids,
      bundled: loadSources(sourcesDir),
      pollSeconds: 15,
      now: () => clock,
      client: () => new AppConfigDataClient({ endpoint: fake.url, region: 'eu-west-1', credentials }),
    });
    /** Moves the function's clock past the poll interval and lets it poll. */
    const nextPoll = async () => {
      clock += 15_000;
      await registry.refresh();
    };
    const control = new AppConfigClient({ endpoint: fake.url, region: 'eu-west-1', credentials });
    return { fake, sourcesDir, dataDir, leadgate, registry, nextPoll, control };
  }

  const firstName = (registry: VersionedSourceRegistry, id: string) => registry.get(id)?.lead.FirstName;

  it('serves the bundled sources until a configuration is published', async () => {
    // Prepare
    const { registry } = await setup({ 'demo.yaml': form('first_name') });

    // Act
    await registry.refresh();

    // Assess
    expect(registry.version()).toBe(BUNDLED_VERSION);
    expect(firstName(registry, 'demo')).toBe('first_name');
  });

  it('publishes a changed mapping, says what changed, and the function maps with it after the next poll', async () => {
    // Prepare
    const { leadgate, registry, sourcesDir, nextPoll } = await setup({ 'demo.yaml': form('first_name') });
    await registry.refresh();
    expect((await leadgate('sources', 'publish', '-m', 'first')).code).toBe(0);
    writeFiles(sourcesDir, { 'demo.yaml': form('given_name'), 'extra.yaml': form('name') });

    // Act
    const published = await leadgate('sources', 'publish', '-m', 'rename first name');
    await nextPoll();

    // Assess
    expect(published.code).toBe(0);
    expect(published.out).toContain('published version 2');
    expect(published.out).toContain('+ source extra added');
    expect(published.out).toContain('~ demo: lead.FirstName "first_name" → "given_name"');
    expect(registry.version()).toBe('2');
    expect(firstName(registry, 'demo')).toBe('given_name');
    expect(firstName(registry, 'extra')).toBe('name');
  });

  it('does not poll AppConfig again before the poll interval has passed', async () => {
    // Prepare
    const { fake, registry } = await setup({ 'demo.yaml': form('first_name') });
    await registry.refresh();
    const before = fake.calls().length;

    // Act
    await registry.refresh();
    registry.get('demo');

    // Assess
    expect(fake.calls()).toHaveLength(before);
  });

  it('lists versions with who published them and rolls back to the previous one', async () => {
    // Prepare
    const { leadgate, registry, sourcesDir, nextPoll } = await setup({ 'demo.yaml': form('first_name') });
    await leadgate('sources', 'publish', '-m', 'first — café');
    writeFiles(sourcesDir, { 'demo.yaml': form('given_name') });
    await leadgate('sources', 'publish', '-m', 'second');
    await nextPoll();
    expect(firstName(registry, 'demo')).toBe('given_name');

    // Act
    const rolledBack = await leadgate('sources', 'rollback');
    await nextPoll();
    const listed = await leadgate('sources', 'history', '--json');

    // Assess
    expect(rolledBack.code).toBe(0);
    expect(rolledBack.out).toContain('version 1 deploying again');
    expect(rolledBack.out).toContain('~ demo: lead.FirstName "given_name" → "first_name"');
    expect(registry.version()).toBe('1');
    expect(firstName(registry, 'demo')).toBe('first_name');
    const history = JSON.parse(listed.out) as {
      live: string;
      versions: { version: string; description: string }[];
    };
    expect(history.live).toBe('1');
    expect(history.versions.map((version) => version.version)).toEqual(['2', '1']);
    expect(history.versions[0]?.description).toMatch(/ by ops: second$/);
    // the description is an HTTP header: printable ASCII only
    expect(history.versions[1]?.description).toMatch(/ by ops: first \? caf\?$/);
  });

  it('refuses to publish sources that fail sources check, with its problems', async () => {
    // Prepare
    const { leadgate, fake, sourcesDir } = await setup({ 'demo.yaml': form('first_name') });
    writeFiles(sourcesDir, { 'demo.yaml': form('first_name').replace('LastName', 'LastNam') });

    // Act
    const result = await leadgate('sources', 'publish', '--json');

    // Assess
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out)).toMatchObject({ error: { code: 'invalid_source_config' } });
    expect(result.err).toContain('unknown key "LastNam"');
    expect(fake.calls()).toEqual([]);
  });

  it('says a deployment is in progress instead of publishing over it, and rollback stops it', async () => {
    // Prepare
    const { leadgate, fake, sourcesDir } = await setup(
      { 'demo.yaml': form('first_name') },
      { holdDeployments: true },
    );
    await leadgate('sources', 'publish');
    writeFiles(sourcesDir, { 'demo.yaml': form('given_name') });

    // Act
    const refused = await leadgate('sources', 'publish', '--json');
    const stopped = await leadgate('sources', 'rollback');

    // Assess
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.out)).toMatchObject({ error: { code: 'deployment_in_progress' } });
    expect(stopped.code).toBe(0);
    expect(stopped.out).toContain('deployment 1 stopped');
    expect(fake.deployed()).toBeUndefined();
  });

  it('keeps the last good configuration when an invalid document is deployed, or AppConfig is unreachable', async () => {
    // Prepare
    const { leadgate, registry, nextPoll, control, fake } = await setup({ 'demo.yaml': form('first_name') });
    await leadgate('sources', 'publish');
    await nextPoll();
    const bad = { version: '2', sources: { demo: { channel: 'form', lead: { FirstName: 'x' } } } };
    await control.send(
      new CreateHostedConfigurationVersionCommand({
        ApplicationId: ids.application,
        ConfigurationProfileId: ids.profile,
        Content: new TextEncoder().encode(JSON.stringify(bad)),
        ContentType: 'application/json',
      }),
    );
    await control.send(
      new StartDeploymentCommand({
        ApplicationId: ids.application,
        EnvironmentId: ids.environment,
        ConfigurationProfileId: ids.profile,
        DeploymentStrategyId: ids.strategy,
        ConfigurationVersion: '2',
      }),
    );

    // Act
    await nextPoll();
    const afterInvalid = registry.version();
    await fake.close();
    await nextPoll();

    // Assess
    expect(afterInvalid).toBe('1');
    expect(registry.version()).toBe('1');
    expect(firstName(registry, 'demo')).toBe('first_name');
  });

  it('maps each lead with the configuration current at delivery and names its version in the log line and the DLQ entry', async () => {
    // Prepare
    const { leadgate, registry, sourcesDir, nextPoll } = await setup({
      'deliver-form.yaml': form('first_name'),
    });
    writeFiles(sourcesDir, { 'deliver-form.yaml': form('given_name') });
    await leadgate('sources', 'publish');
    const recording = recordingLeadQueue();
    const onpipeline: OnpipelineClient = {
      sendLead: async () => ({ kind: 'delivered', status: 201, leadId: 'op-1' }),
      listCustomFields: async () => [],
      addCustomField: async () => {
        throw new Error('not used');
      },
    };
    const delivery = leadDelivery({
      sources: registry,
      onpipeline,
      customFields: customFieldNames(onpipeline),
      queue: recording.queue,
    });
    const info = vi.spyOn(logger, 'info');
    cleanups.push(() => info.mockRestore());

    // Act: version 1 maps FirstName from given_name, which the form did not send: parked
    await delivery.deliver(sqsRecordFactory(envelopeFactory()));
    writeFiles(sourcesDir, { 'deliver-form.yaml': form('first_name') });
    await leadgate('sources', 'publish');
    await nextPoll();
    await delivery.deliver(sqsRecordFactory(envelopeFactory()));

    // Assess
    expect(recording.parked()).toEqual([
      expect.objectContaining({
        attributes: expect.objectContaining({ reason: 'mapping_failed', configVersion: '1' }),
      }),
    ]);
    expect(info).toHaveBeenCalledWith('lead delivered', expect.objectContaining({ configVersion: '2' }));
  });

  it('reads the ids from the stack outputs file, and says which are missing without one', async () => {
    // Prepare
    const { fake, sourcesDir, dataDir } = await setup({ 'demo.yaml': form('first_name') });
    const root = join(sourcesDir, '..');
    const outputs = join(root, 'outputs.json');
    writeFileSync(
      outputs,
      JSON.stringify({
        Leadgate: {
          AppConfigApplicationId: ids.application,
          AppConfigEnvironmentId: ids.environment,
          AppConfigProfileId: ids.profile,
          AppConfigDeploymentStrategyId: ids.strategy,
        },
      }),
    );
    const run = async (...args: string[]) => {
      const io = bufferIo({
        cwd: root,
        env: {
          AWS_ENDPOINT_URL_APPCONFIG: fake.url,
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        },
      });
      const code = await main([...args, '--sources', sourcesDir, '--data-dir', dataDir, '--json'], io);
      return { code, out: JSON.parse(io.stdout()) };
    };

    // Act
    const missing = await run('sources', 'history');
    const fromFile = await run('sources', 'publish', '--outputs', outputs);

    // Assess
    expect(missing).toMatchObject({ code: 1, out: { error: { code: 'appconfig_target_missing' } } });
    expect(fromFile).toMatchObject({ code: 0, out: { published: true, version: '1' } });
  });

  it('validates a published document with the file rules, naming the source', () => {
    // Prepare
    const text = JSON.stringify({
      version: '3',
      sources: { demo: { channel: 'form', lead: { FirstName: 'a' } } },
    });

    // Act
    const result = parsePublishedDocument(text);

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((problem) => `${problem.file} ${problem.path}`)).toContain(
      'published:demo lead.LastName',
    );
  });

  it('publishes, lists and rolls back on one machine (--local), writing the files back', async () => {
    // Prepare
    const { leadgate, sourcesDir, dataDir } = await setup({ 'demo.yaml': form('first_name') });
    await leadgate('sources', 'publish', '--local');
    writeFiles(sourcesDir, { 'demo.yaml': form('given_name'), 'extra.yaml': form('name') });
    const second = await leadgate('sources', 'publish', '--local');

    // Act
    const rolledBack = await leadgate('sources', 'rollback', '--local');
    const listed = await leadgate('sources', 'history', '--local');

    // Assess
    expect(second.out).toContain('published version 2 (local)');
    expect(rolledBack.code).toBe(0);
    expect(readFileSync(join(sourcesDir, 'demo.yaml'), 'utf8')).toBe(form('first_name'));
    expect(() => readFileSync(join(sourcesDir, 'extra.yaml'))).toThrow();
    expect(listed.out).toMatch(/1 \(live\)/);
    expect(readFileSync(join(dataDir, 'config-versions', 'live'), 'utf8').trim()).toBe('1');
  });
});

function writeFiles(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}
