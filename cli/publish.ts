import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import {
  AppConfigClient,
  CreateHostedConfigurationVersionCommand,
  type DeploymentSummary,
  GetHostedConfigurationVersionCommand,
  type HostedConfigurationVersionSummary,
  ListDeploymentsCommand,
  ListHostedConfigurationVersionsCommand,
  StartDeploymentCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { parse } from 'yaml';
import { type CommandContext, stringOption } from '#cli/command.ts';
import { CliError, type Io, printJson, styles, table, UsageError } from '#cli/io.ts';
import { check } from '#cli/sources.ts';
import type { PublishedDocument } from '#shared/sources/appconfig.ts';

/**
 * `leadgate sources publish | history | rollback`: the source configs as AWS AppConfig hosted
 * configuration versions (docs/sources.md, "Change a mapping on AWS"; docs/operations.md,
 * "Publishing sources"), or with `--local` as snapshots under `<data dir>/config-versions/`.
 */

/** Where on AWS: the stack outputs (`cdk deploy --outputs-file`) name all four. */
export interface PublishTarget {
  application: string;
  environment: string;
  profile: string;
  strategy: string;
}

const outputNames = {
  application: 'AppConfigApplicationId',
  environment: 'AppConfigEnvironmentId',
  profile: 'AppConfigProfileId',
  strategy: 'AppConfigDeploymentStrategyId',
} as const;

const envNames = {
  application: 'LEADGATE_APPCONFIG_APPLICATION',
  environment: 'LEADGATE_APPCONFIG_ENVIRONMENT',
  profile: 'LEADGATE_APPCONFIG_PROFILE',
  strategy: 'LEADGATE_APPCONFIG_STRATEGY',
} as const;

/** Flags, else `LEADGATE_APPCONFIG_*`, else the stack outputs file (`--outputs`, default cdk-outputs.json). */
export function publishTarget(io: Io, values: CommandContext['values']): PublishTarget {
  const file = stringOption(values, 'outputs') ?? join(io.cwd, 'cdk-outputs.json');
  let outputs: Record<string, string> = {};
  if (existsSync(file)) {
    try {
      const stacks = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
      outputs = Object.values(stacks).find((stack) => stack[outputNames.application] !== undefined) ?? {};
    } catch {
      throw new CliError(`${file} is not a stack outputs file (JSON)`, { code: 'invalid_outputs_file' });
    }
  }
  const target: Partial<PublishTarget> = {};
  const missing: string[] = [];
  for (const key of Object.keys(outputNames) as (keyof PublishTarget)[]) {
    const value = stringOption(values, key) ?? io.env[envNames[key]] ?? outputs[outputNames[key]];
    if (value) target[key] = value;
    else missing.push(`--${key} (or ${envNames[key]}, or ${outputNames[key]} in the outputs file)`);
  }
  if (missing.length > 0) {
    throw new CliError('which AppConfig configuration? some ids are missing', {
      code: 'appconfig_target_missing',
      details: [
        ...missing,
        'cdk deploy --outputs-file cdk-outputs.json writes them all; or try it without AWS: --local',
      ],
    });
  }
  return target as PublishTarget;
}

function appConfig(io: Io, values: CommandContext['values']): AppConfigClient {
  const endpoint = io.env.AWS_ENDPOINT_URL_APPCONFIG ?? io.env.AWS_ENDPOINT_URL;
  const region = stringOption(values, 'region') ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  const key = io.env.AWS_ACCESS_KEY_ID;
  const secret = io.env.AWS_SECRET_ACCESS_KEY;
  return new AppConfigClient({
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(key && secret
      ? {
          credentials: {
            accessKeyId: key,
            secretAccessKey: secret,
            ...(io.env.AWS_SESSION_TOKEN ? { sessionToken: io.env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  });
}

/** The sources folder as one document: every YAML file's data under its source id. */
function documentOf(
  dir: string,
  version: string,
): { document: PublishedDocument; files: Record<string, string> } {
  const files: Record<string, string> = {};
  const sources: Record<string, unknown> = {};
  for (const name of readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()) {
    const text = readFileSync(join(dir, name), 'utf8');
    files[name] = text;
    sources[name.replace(/\.ya?ml$/, '')] = parse(text);
  }
  return { document: { version, sources }, files };
}

/** `sources check`, as is: nothing is published unless it passes. */
async function checked(context: CommandContext): Promise<void> {
  const io = context.json ? { ...context.io, out: context.io.err } : context.io;
  const code = await check({ ...context, io, json: false });
  if (code !== 0) {
    throw new CliError('the sources do not pass `leadgate sources check`: nothing published', {
      code: 'invalid_source_config',
    });
  }
}

/**
 * The description travels as an HTTP header of CreateHostedConfigurationVersion: printable ASCII
 * only (other characters become ?), at most 1024 characters.
 */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 1024);
}

/** Who published: `--by`, else the OS user. */
function author(values: CommandContext['values']): string {
  return stringOption(values, 'by') ?? userInfo().username;
}

/** One line per difference: sources added, removed, and each changed setting with before → after. */
export function describeChanges(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown>,
): string[] {
  if (before === undefined)
    return [`first publish: ${Object.keys(after).sort().join(', ') || '(no sources)'}`];
  const lines: string[] = [];
  for (const id of Object.keys(after).sort()) {
    if (!(id in before)) lines.push(`+ source ${id} added`);
  }
  for (const id of Object.keys(before).sort()) {
    if (!(id in after)) lines.push(`- source ${id} removed`);
  }
  for (const id of Object.keys(after).sort()) {
    if (id in before) lines.push(...diffValues(`${id}:`, before[id], after[id]));
  }
  return lines;
}

function diffValues(path: string, before: unknown, after: unknown): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObject = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === 'object' && !Array.isArray(value);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) =>
      diffValues(`${path}${path.endsWith(':') ? ' ' : '.'}${key}`, before[key], after[key]),
    );
  }
  const show = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value).slice(0, 120));
  return [`~ ${path} ${show(before)} → ${show(after)}`];
}

/**
 * The state of the environment (it holds this one profile): the live version (the newest completed
 * deployment; ListDeployments answers newest first, one page of up to 50) and one in progress.
 */
async function deploymentState(client: AppConfigClient, target: PublishTarget) {
  const { Items: deployments = [] } = await client.send(
    new ListDeploymentsCommand({ ApplicationId: target.application, EnvironmentId: target.environment }),
  );
  const running = deployments.find((item) =>
    ['DEPLOYING', 'BAKING', 'VALIDATING', 'ROLLING_BACK'].includes(item.State ?? ''),
  );
  const live = deployments.find((item) => item.State === 'COMPLETE');
  return { deployments, running, live: live?.ConfigurationVersion };
}

async function versionContent(client: AppConfigClient, target: PublishTarget, version: string) {
  const answer = await client.send(
    new GetHostedConfigurationVersionCommand({
      ApplicationId: target.application,
      ConfigurationProfileId: target.profile,
      VersionNumber: Number(version),
    }),
  );
  const text = new TextDecoder().decode(answer.Content ?? new Uint8Array());
  return (JSON.parse(text) as PublishedDocument).sources;
}

async function listVersions(client: AppConfigClient, target: PublishTarget) {
  const items: HostedConfigurationVersionSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(
      new ListHostedConfigurationVersionsCommand({
        ApplicationId: target.application,
        ConfigurationProfileId: target.profile,
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return items.sort((a, b) => (b.VersionNumber ?? 0) - (a.VersionNumber ?? 0));
}

function inProgressError(running: DeploymentSummary): CliError {
  return new CliError(
    `deployment ${running.DeploymentNumber} (version ${running.ConfigurationVersion}) is still ${running.State}: try again once it completes`,
    {
      code: 'deployment_in_progress',
      details: [
        'leadgate sources history shows its state; leadgate sources rollback stops it and restores the previous version',
      ],
    },
  );
}

async function deploy(client: AppConfigClient, target: PublishTarget, version: string, description: string) {
  return client.send(
    new StartDeploymentCommand({
      ApplicationId: target.application,
      EnvironmentId: target.environment,
      ConfigurationProfileId: target.profile,
      DeploymentStrategyId: target.strategy,
      ConfigurationVersion: version,
      Description: description.slice(0, 1024),
    }),
  );
}

/** `leadgate sources publish [--message TEXT] [--local]` */
export async function publish(context: CommandContext): Promise<number> {
  const { io, values, space } = context;
  await checked(context);
  const message = stringOption(values, 'message') ?? '';
  const description = headerSafe(
    `${new Date().toISOString()} by ${author(values)}${message ? `: ${message}` : ''}`,
  );
  if (values.local === true) return publishLocal(context, description);
  const target = publishTarget(io, values);
  const client = appConfig(io, values);
  const { running, live } = await deploymentState(client, target);
  if (running) throw inProgressError(running);
  const latest = (await listVersions(client, target))[0]?.VersionNumber ?? 0;
  const version = String(latest + 1);
  const { document } = documentOf(space.sourcesDir, version);
  const before = live ? await versionContent(client, target, live) : undefined;
  const changes = describeChanges(before, document.sources);
  if (before !== undefined && changes.length === 0) {
    return done(
      context,
      { published: false, version: live, changes },
      `nothing changed since version ${live}: not published`,
    );
  }
  try {
    await client.send(
      new CreateHostedConfigurationVersionCommand({
        ApplicationId: target.application,
        ConfigurationProfileId: target.profile,
        Content: new TextEncoder().encode(JSON.stringify(document)),
        ContentType: 'application/json',
        Description: description.slice(0, 1024),
        // the version written into the document is the one AppConfig assigns: refused if someone
        // published in between (https://docs.aws.amazon.com/appconfig/2019-10-09/APIReference/API_CreateHostedConfigurationVersion.html)
        LatestVersionNumber: latest,
        VersionLabel: `v${version}`,
      }),
    );
  } catch (error) {
    if ((error as Error).name === 'ConflictException') {
      throw new CliError('someone published at the same time: run publish again', {
        code: 'publish_conflict',
      });
    }
    throw error;
  }
  const deployment = await deploy(client, target, version, description);
  return done(
    context,
    { published: true, version, deployment: deployment.DeploymentNumber, changes },
    `✔ published version ${version} (deployment ${deployment.DeploymentNumber}): in use within about a minute`,
  );
}

function done(
  context: CommandContext,
  result: { changes: string[] } & Record<string, unknown>,
  headline: string,
): number {
  if (context.json) {
    printJson(context.io, result);
    return 0;
  }
  const style = styles(context.io);
  context.io.out(style.ok(headline));
  for (const line of result.changes) context.io.out(`  ${line}`);
  return 0;
}

/** `leadgate sources history [--local]` */
export async function history(context: CommandContext): Promise<number> {
  const { io, values } = context;
  if (values.local === true) return historyLocal(context);
  const target = publishTarget(io, values);
  const client = appConfig(io, values);
  const versions = await listVersions(client, target);
  const { deployments, live } = await deploymentState(client, target);
  const rows = versions.map((item) => {
    const version = String(item.VersionNumber);
    const last = deployments.find((deployment) => deployment.ConfigurationVersion === version);
    return {
      version,
      live: version === live,
      deployment: last ? `${last.DeploymentNumber} ${last.State}` : 'never deployed',
      description: item.Description ?? '',
    };
  });
  if (context.json) {
    printJson(io, { live: live ?? null, versions: rows });
    return 0;
  }
  if (rows.length === 0) {
    io.out('no version published yet: the functions use the sources bundled at deployment');
    return 0;
  }
  io.out(
    table([
      ['VERSION', 'DEPLOYMENT', 'PUBLISHED'],
      ...rows.map((row) => [`${row.version}${row.live ? ' (live)' : ''}`, row.deployment, row.description]),
    ]),
  );
  return 0;
}

/** `leadgate sources rollback [version] [--local]`: default, the highest version below the live one. */
export async function rollback(context: CommandContext): Promise<number> {
  const { io, values, args } = context;
  const [wanted] = args;
  if (wanted !== undefined && !/^\d+$/.test(wanted))
    throw new UsageError(`a version is a number, not "${wanted}"`);
  if (values.local === true) return rollbackLocal(context, wanted);
  const target = publishTarget(io, values);
  const client = appConfig(io, values);
  const { running, live } = await deploymentState(client, target);
  if (running) {
    if (wanted !== undefined) throw inProgressError(running);
    // AppConfig's own rollback: stopping a deployment in progress restores the previous version
    await client.send(
      new StopDeploymentCommand({
        ApplicationId: target.application,
        EnvironmentId: target.environment,
        DeploymentNumber: running.DeploymentNumber,
      }),
    );
    return done(
      context,
      { rolledBack: true, stopped: running.DeploymentNumber, changes: [] },
      `✔ deployment ${running.DeploymentNumber} stopped: the previous version is restored`,
    );
  }
  const versions = (await listVersions(client, target)).map((item) => String(item.VersionNumber));
  const version =
    wanted ?? versions.find((candidate) => live !== undefined && Number(candidate) < Number(live));
  if (version === undefined || !versions.includes(version)) {
    throw new CliError(
      wanted ? `there is no version ${wanted}` : 'there is no earlier version to go back to',
      {
        code: 'no_such_version',
        details: ['leadgate sources history lists the versions'],
      },
    );
  }
  if (version === live)
    return done(context, { rolledBack: false, version, changes: [] }, `version ${version} is already live`);
  const changes = describeChanges(
    live ? await versionContent(client, target, live) : undefined,
    await versionContent(client, target, version),
  );
  const deployment = await deploy(
    client,
    target,
    version,
    `${new Date().toISOString()} by ${author(values)}: rollback to ${version}`,
  );
  return done(
    context,
    { rolledBack: true, version, deployment: deployment.DeploymentNumber, changes },
    `✔ version ${version} deploying again (deployment ${deployment.DeploymentNumber})`,
  );
}

// ── One machine: snapshots of the sources folder under <data dir>/config-versions/ ──
// The files stay the source of truth there (the local runtime hot-reloads them): publish keeps a
// numbered snapshot of every file, rollback writes a snapshot's files back into the sources folder.

interface LocalSnapshot {
  version: string;
  description: string;
  files: Record<string, string>;
}

function localDir(context: CommandContext): string {
  return join(context.space.dataDir, 'config-versions');
}

function localSnapshots(context: CommandContext): LocalSnapshot[] {
  const dir = localDir(context);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^\d+\.json$/.test(name))
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as LocalSnapshot)
    .sort((a, b) => Number(b.version) - Number(a.version));
}

function localLive(context: CommandContext): string | undefined {
  const file = join(localDir(context), 'live');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

function setLocalLive(context: CommandContext, version: string): void {
  writeFileSync(join(localDir(context), 'live'), `${version}\n`);
}

const sourcesOfFiles = (files: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(files).map(([name, text]) => [name.replace(/\.ya?ml$/, ''), parse(text) as unknown]),
  );

function publishLocal(context: CommandContext, description: string): number {
  const snapshots = localSnapshots(context);
  const version = String(Number(snapshots[0]?.version ?? 0) + 1);
  const { document, files } = documentOf(context.space.sourcesDir, version);
  const live = localLive(context);
  const current = snapshots.find((snapshot) => snapshot.version === live);
  const changes = describeChanges(current ? sourcesOfFiles(current.files) : undefined, document.sources);
  if (current && changes.length === 0) {
    return done(
      context,
      { published: false, version: live, changes },
      `nothing changed since version ${live}: not published`,
    );
  }
  mkdirSync(localDir(context), { recursive: true });
  writeFileSync(
    join(localDir(context), `${version}.json`),
    JSON.stringify({ version, description, files }, null, 2),
  );
  setLocalLive(context, version);
  return done(context, { published: true, version, changes }, `✔ published version ${version} (local)`);
}

function historyLocal(context: CommandContext): number {
  const live = localLive(context);
  const rows = localSnapshots(context).map((snapshot) => ({
    version: snapshot.version,
    live: snapshot.version === live,
    description: snapshot.description,
  }));
  if (context.json) {
    printJson(context.io, { live: live ?? null, versions: rows });
    return 0;
  }
  if (rows.length === 0) {
    context.io.out('no version published yet (local)');
    return 0;
  }
  context.io.out(
    table([
      ['VERSION', 'PUBLISHED'],
      ...rows.map((row) => [`${row.version}${row.live ? ' (live)' : ''}`, row.description]),
    ]),
  );
  return 0;
}

function rollbackLocal(context: CommandContext, wanted: string | undefined): number {
  const snapshots = localSnapshots(context);
  const live = localLive(context);
  const target = wanted
    ? snapshots.find((snapshot) => snapshot.version === wanted)
    : snapshots.find((snapshot) => live !== undefined && Number(snapshot.version) < Number(live));
  if (!target) {
    throw new CliError(
      wanted ? `there is no version ${wanted}` : 'there is no earlier version to go back to',
      {
        code: 'no_such_version',
        details: ['leadgate sources history --local lists the versions'],
      },
    );
  }
  const dir = context.space.sourcesDir;
  const current = documentOf(dir, live ?? '0').document.sources;
  for (const name of readdirSync(dir).filter((file) => /\.ya?ml$/.test(file))) {
    if (!(name in target.files)) rmSync(join(dir, name));
  }
  for (const [name, text] of Object.entries(target.files)) writeFileSync(join(dir, name), text);
  setLocalLive(context, target.version);
  const changes = describeChanges(current, sourcesOfFiles(target.files));
  return done(
    context,
    { rolledBack: true, version: target.version, changes },
    `✔ version ${target.version} restored into ${dir}`,
  );
}
