import {
  type GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
} from '@aws-sdk/client-appconfigdata';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  appConfigSourceRegistry,
  BUNDLED_VERSION,
  configVersionOf,
  refreshSources,
  sourcesFromEnvironment,
} from '#shared/sources/appconfig.ts';
import { parseSource } from '#shared/sources/loader.ts';
import { parsePublishedDocument } from '#shared/sources/published.ts';
import type { Source } from '#shared/sources/schema.ts';
import { interceptLines, parseJsonObject } from '#test/support/fuzz/logs.ts';

const partnerYaml = (lastName: string) =>
  `channel: partner\npartner: { apiKeys: [ACME_PARTNER_KEY] }\nlead:\n  FirstName: first\n  LastName: ${lastName}\n`;

/** A source as `leadgate sources publish` puts it in the document: its YAML as JSON. */
const partnerConfig = (lastName: string) => ({
  channel: 'partner',
  partner: { apiKeys: ['ACME_PARTNER_KEY'] },
  lead: { FirstName: 'first', LastName: lastName },
});

function bundledSource(id: string): Source {
  const parsed = parseSource(id, partnerYaml('last'));
  if (!parsed.ok) throw new Error('invalid test source');
  return parsed.source;
}

const document = (version: string | number, sources: Record<string, unknown>) =>
  new TextEncoder().encode(JSON.stringify({ version, sources }));

type Answer = {
  Configuration?: Uint8Array;
  NextPollConfigurationToken?: string;
  NextPollIntervalInSeconds?: number;
};

/**
 * A stand-in AppConfigData client: records every command, starts sessions with `token-<n>`, and
 * answers GetLatestConfiguration from a script (a thrown value is thrown).
 */
function fakeAppConfig(script: (Answer | { fail: unknown })[]) {
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  let sessions = 0;
  const client = {
    send: async (command: StartConfigurationSessionCommand | GetLatestConfigurationCommand) => {
      const input = { ...command.input } as Record<string, unknown>;
      if (command instanceof StartConfigurationSessionCommand) {
        calls.push({ command: 'StartConfigurationSession', input });
        sessions += 1;
        return { InitialConfigurationToken: `token-${sessions}` };
      }
      calls.push({ command: 'GetLatestConfiguration', input });
      const next = script.shift() ?? {};
      if ('fail' in next) throw next.fail;
      return { NextPollConfigurationToken: `next-${calls.length}`, ...next };
    },
  };
  return { client, calls };
}

const target = { application: 'leadgate', environment: 'prod', profile: 'sources' };

function registry(script: (Answer | { fail: unknown })[], pollSeconds?: number) {
  const clock = { now: 1_000_000 };
  const appConfig = fakeAppConfig(script);
  const sources = appConfigSourceRegistry({
    target,
    bundled: new Map([['bundled-partner', bundledSource('bundled-partner')]]),
    ...(pollSeconds === undefined ? {} : { pollSeconds }),
    client: () => appConfig.client as never,
    now: () => clock.now,
  });
  return { sources, calls: appConfig.calls, clock };
}

/** Every JSON log line written while a test runs (WARN and ERROR go to the console). */
let lines: Record<string, unknown>[] = [];
let restore: () => void;
beforeAll(() => {
  ({ restore } = interceptLines(parseJsonObject, (line) => lines.push(line)));
});
afterEach(() => {
  lines = [];
  vi.unstubAllEnvs();
});
afterAll(() => restore());

describe('parsePublishedDocument', () => {
  it('reads every source of a valid document, and a numeric version as text', () => {
    // Act
    const parsed = parsePublishedDocument(
      JSON.stringify({ version: 7, sources: { 'acme-partner': partnerConfig('last') } }),
    );

    // Assess
    expect(parsed).toMatchObject({ ok: true, version: '7' });
    expect(parsed.ok && parsed.sources.get('acme-partner')).toMatchObject({
      id: 'acme-partner',
      channel: 'partner',
    });
  });

  it.each([
    [
      'text that is not JSON',
      '{"version":',
      [{ file: 'published', path: '', message: 'the document is not JSON' }],
    ],
    [
      'a document without a version',
      JSON.stringify({ sources: {} }),
      [{ file: 'published', path: 'version', message: expect.any(String) }],
    ],
    [
      'a version with a slash',
      JSON.stringify({ version: '1/2', sources: {} }),
      [{ file: 'published', path: 'version', message: expect.any(String) }],
    ],
    [
      'an unknown top-level key',
      JSON.stringify({ version: '1', sources: {}, extra: true }),
      [{ file: 'published', path: '', message: expect.stringContaining('"extra"') }],
    ],
  ])('refuses %s', (_name, text, problems) => {
    // Act
    const parsed = parsePublishedDocument(text);

    // Assess
    expect(parsed).toEqual({ ok: false, problems: problems.map((p) => expect.objectContaining(p)) });
  });

  it('lists the problems of every invalid source with its id, as `sources check` would', () => {
    // Act
    const parsed = parsePublishedDocument(
      JSON.stringify({
        version: '3',
        sources: { good: partnerConfig('last'), empty: null, wrong: { channel: 'fax' } },
      }),
    );

    // Assess
    expect(parsed.ok).toBe(false);
    const files = parsed.ok ? [] : [...new Set(parsed.problems.map((problem) => problem.file))];
    expect(files.sort()).toEqual(['published:empty', 'published:wrong']);
  });
});

describe('appConfigSourceRegistry', () => {
  it('serves the bundled sources until a configuration is published, without waiting for AppConfig', () => {
    // Prepare
    const { sources } = registry([]);

    // Act
    const served = sources.get('bundled-partner');

    // Assess
    expect(served?.id).toBe('bundled-partner');
    expect(sources.version()).toBe(BUNDLED_VERSION);
  });

  it('starts one session for the target, then serves the published document', async () => {
    // Prepare
    const { sources, calls } = registry([
      { Configuration: document('7', { 'acme-partner': partnerConfig('last') }) },
    ]);

    // Act
    await sources.refresh();

    // Assess
    expect(calls).toEqual([
      {
        command: 'StartConfigurationSession',
        input: {
          ApplicationIdentifier: 'leadgate',
          EnvironmentIdentifier: 'prod',
          ConfigurationProfileIdentifier: 'sources',
          RequiredMinimumPollIntervalInSeconds: 30,
        },
      },
      { command: 'GetLatestConfiguration', input: { ConfigurationToken: 'token-1' } },
    ]);
    expect(sources.version()).toBe('7');
    expect(configVersionOf(sources)).toBe('7');
    expect(sources.all().map((source) => source.id)).toEqual(['acme-partner']);
    expect(sources.get('bundled-partner')).toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('polls again only after the interval, with the token of the last answer, keeping the sources on "no change"', async () => {
    // Prepare
    const { sources, calls, clock } = registry([
      {
        Configuration: document('7', { 'acme-partner': partnerConfig('last') }),
        NextPollIntervalInSeconds: 60,
      },
      { Configuration: new Uint8Array() },
      {},
    ]);
    await sources.refresh();

    // Act
    clock.now += 59_000;
    await sources.refresh();
    const callsBeforeTheInterval = calls.length;
    clock.now += 1_000;
    await sources.refresh();
    clock.now += 30_000;
    await sources.refresh();

    // Assess
    expect(callsBeforeTheInterval).toBe(2);
    expect(calls.slice(2)).toEqual([
      { command: 'GetLatestConfiguration', input: { ConfigurationToken: 'next-2' } },
      { command: 'GetLatestConfiguration', input: { ConfigurationToken: 'next-3' } },
    ]);
    expect(sources.version()).toBe('7');
    expect(sources.get('acme-partner')).toBeDefined();
  });

  it('never polls more often than every 15 seconds, whatever it is told', async () => {
    // Prepare
    const { sources, calls, clock } = registry([{}, {}], 1);
    await sources.refresh();

    // Act
    clock.now += 14_000;
    await sources.refresh();
    const callsWithin15s = calls.length;
    clock.now += 1_000;
    await sources.refresh();

    // Assess
    expect(calls[0]?.input.RequiredMinimumPollIntervalInSeconds).toBe(15);
    expect(callsWithin15s).toBe(2);
    expect(calls).toHaveLength(3);
  });

  it.each([
    [
      'an AWS error',
      Object.assign(new Error('denied'), { name: 'AccessDeniedException' }),
      'AccessDeniedException',
    ],
    ['a thrown value that is not an Error', 'boom', 'Error'],
  ])(
    'keeps the sources in use on %s, logs it, and starts a new session after the interval',
    async (_name, fail, error) => {
      // Prepare
      const { sources, calls, clock } = registry([
        { Configuration: document('7', { 'acme-partner': partnerConfig('last') }) },
        { fail },
        { Configuration: document('8', { 'acme-partner': partnerConfig('surname') }) },
      ]);
      await sources.refresh();

      // Act
      clock.now += 30_000;
      await sources.refresh();
      const afterFailure = { version: sources.version(), ids: sources.all().map((source) => source.id) };
      clock.now += 30_000;
      await sources.refresh();

      // Assess
      expect(afterFailure).toEqual({ version: '7', ids: ['acme-partner'] });
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 'WARN', code: 'config_refresh_failed', error, configVersion: '7' }),
      );
      expect(calls.map((call) => call.command)).toEqual([
        'StartConfigurationSession',
        'GetLatestConfiguration',
        'GetLatestConfiguration',
        'StartConfigurationSession',
        'GetLatestConfiguration',
      ]);
      expect(calls[4]?.input).toEqual({ ConfigurationToken: 'token-2' });
      expect(sources.version()).toBe('8');
    },
  );

  it('refuses an invalid published document: the sources in use stay, and the problems are logged', async () => {
    // Prepare
    const { sources } = registry([{ Configuration: document('9', { 'acme-partner': { channel: 'fax' } }) }]);

    // Act
    await sources.refresh();

    // Assess
    expect(sources.version()).toBe(BUNDLED_VERSION);
    expect(sources.get('bundled-partner')).toBeDefined();
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        code: 'invalid_published_config',
        configVersion: BUNDLED_VERSION,
        problems: [
          expect.stringMatching(/^published:acme-partner:1 channel: invalid option "fax"/),
          'published:acme-partner:1 lead: required',
        ],
      }),
    );
  });

  it('does not swap the sources for a document of the version already served', async () => {
    // Prepare
    const { sources, clock } = registry([
      { Configuration: document('7', { 'acme-partner': partnerConfig('last') }) },
      { Configuration: document('7', { 'other-partner': partnerConfig('last') }) },
    ]);
    await sources.refresh();

    // Act
    clock.now += 30_000;
    await sources.refresh();

    // Assess
    expect(sources.all().map((source) => source.id)).toEqual(['acme-partner']);
  });

  it('shares one poll between callers that refresh at once', async () => {
    // Prepare
    const { sources, calls } = registry([
      { Configuration: document('7', { 'acme-partner': partnerConfig('last') }) },
    ]);

    // Act
    await Promise.all([sources.refresh(), sources.refresh(), refreshSources(sources)]);

    // Assess
    expect(calls.map((call) => call.command)).toEqual([
      'StartConfigurationSession',
      'GetLatestConfiguration',
    ]);
    expect(sources.version()).toBe('7');
  });

  it('starts a poll in the background when a lookup finds the interval passed, and still answers at once', async () => {
    // Prepare
    const { sources, calls, clock } = registry([
      { Configuration: document('7', { 'acme-partner': partnerConfig('last') }) },
      { Configuration: document('8', { 'acme-partner': partnerConfig('last') }) },
    ]);
    await sources.refresh();
    clock.now += 30_000;

    // Act
    const servedAtOnce = sources.all().map((source) => source.id);
    const beforeTheDue = sources.get('acme-partner');
    await sources.refresh(); // joins the poll the lookups started

    // Assess
    expect(servedAtOnce).toEqual(['acme-partner']);
    expect(beforeTheDue).toBeDefined();
    expect(calls.filter((call) => call.command === 'GetLatestConfiguration')).toHaveLength(2);
    expect(sources.version()).toBe('8');
  });
});

describe('sourcesFromEnvironment', () => {
  it('reads the sources folder alone when no AppConfig profile is named', async () => {
    // Prepare
    vi.stubEnv('SOURCES_DIR', 'sources');
    vi.stubEnv('APPCONFIG_APPLICATION_ID', '');

    // Act
    const sources = sourcesFromEnvironment();
    await refreshSources(sources);

    // Assess
    expect(sources.get('demo-contact')?.channel).toBe('form');
    expect(configVersionOf(sources)).toBe(BUNDLED_VERSION);
  });

  it('serves the bundled folder through AppConfig when the stack names a profile', () => {
    // Prepare
    vi.stubEnv('SOURCES_DIR', 'sources');
    vi.stubEnv('APPCONFIG_APPLICATION_ID', 'app1');
    vi.stubEnv('APPCONFIG_ENVIRONMENT_ID', 'env1');
    vi.stubEnv('APPCONFIG_PROFILE_ID', 'prof1');
    vi.stubEnv('APPCONFIG_POLL_SECONDS', '45');

    // Act
    const sources = sourcesFromEnvironment();

    // Assess: no lookup here, which would start a poll of the real AWS AppConfig
    expect(configVersionOf(sources)).toBe(BUNDLED_VERSION);
    expect('refresh' in sources).toBe(true);
  });
});
