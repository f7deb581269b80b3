/**
 * A stand-in for the slice of AWS AppConfig leadgate calls, on 127.0.0.1, for tests and the deploy
 * rehearsal. One server speaks both APIs (their paths do not overlap), as the AWS SDK clients send
 * them when given `endpoint: url`:
 *
 * AppConfigData (https://docs.aws.amazon.com/appconfig/2019-10-09/APIReference/API_Operations_AWS_AppConfig_Data.html)
 * - `POST /configurationsessions` → 201 `{ InitialConfigurationToken }`
 * - `GET /configuration?configuration_token=` → 200, headers `Next-Poll-Configuration-Token`,
 *   `Next-Poll-Interval-In-Seconds`, `Content-Type`, `Version-Label`; the body is the deployed
 *   configuration, or empty when this session already has it (or nothing is deployed yet). Each
 *   token is good for one call: a used or unknown one → 400 BadRequestException.
 *
 * AppConfig (https://docs.aws.amazon.com/appconfig/2019-10-09/APIReference/API_Operations_Amazon_AppConfig.html)
 * - hosted configuration versions: create (POST, headers `Description`, `Content-Type`,
 *   `Latest-Version-Number`, `VersionLabel`), list (GET, newest first), get (GET …/{VersionNumber})
 * - deployments: start (POST), list (GET, newest first), get, stop (DELETE → ROLLED_BACK)
 *
 * Deployments complete at once unless `holdDeployments` is set (then they stay DEPLOYING until
 * `completeDeployments()`), so a test can exercise "a deployment is in progress". Errors answer
 * `x-amzn-ErrorType` and `{ Message }`, as restJson1 services do. It never logs.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '#local/loopback.ts';

export interface FakeAppConfigOptions {
  application: string;
  environment: string;
  profile: string;
  strategy: string;
  /** Deployments stay DEPLOYING until `completeDeployments()`; default: complete at once. */
  holdDeployments?: boolean;
}

interface HostedVersion {
  VersionNumber: number;
  Description?: string;
  ContentType: string;
  VersionLabel?: string;
  content: Buffer;
}

interface Deployment {
  DeploymentNumber: number;
  ConfigurationVersion: string;
  Description?: string;
  State: 'DEPLOYING' | 'COMPLETE' | 'ROLLED_BACK';
  StartedAt: string;
  CompletedAt?: string;
  VersionLabel?: string;
  /** The version that was live before this deployment (what a stop restores). */
  previous: string | undefined;
}

export interface FakeAppConfig {
  url: string;
  /** Every call received, as `METHOD path` (no query, no body). */
  calls(): string[];
  completeDeployments(): void;
  /** The configuration version the environment serves, if any. */
  deployed(): string | undefined;
  close(): Promise<void>;
}

class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

export async function startFakeAppConfig(options: FakeAppConfigOptions, port = 0): Promise<FakeAppConfig> {
  const versions: HostedVersion[] = [];
  const deployments: Deployment[] = [];
  const sessions = new Map<string, { served: string | undefined }>();
  const calls: string[] = [];
  let live: string | undefined;

  const profilePath = `/applications/${options.application}/configurationprofiles/${options.profile}/hostedconfigurationversions`;
  const envPath = `/applications/${options.application}/environments/${options.environment}/deployments`;

  const inProgress = () => deployments.find((deployment) => deployment.State === 'DEPLOYING');
  const summary = (deployment: Deployment) => {
    const { previous: _previous, ...rest } = deployment;
    return {
      ...rest,
      ApplicationId: options.application,
      EnvironmentId: options.environment,
      ConfigurationProfileId: options.profile,
      DeploymentStrategyId: options.strategy,
      PercentageComplete: deployment.State === 'COMPLETE' ? 100 : 0,
      GrowthType: 'LINEAR',
      GrowthFactor: 100,
      DeploymentDurationInMinutes: 0,
      FinalBakeTimeInMinutes: 1,
    };
  };

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    calls.push(`${method} ${url.pathname}`);
    const body = await readBody(request);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(value));
    };

    // ── AppConfigData ──
    if (method === 'POST' && url.pathname === '/configurationsessions') {
      const input = parseJson(body) as Record<string, unknown>;
      const known =
        input.ApplicationIdentifier === options.application &&
        input.EnvironmentIdentifier === options.environment &&
        input.ConfigurationProfileIdentifier === options.profile;
      if (!known)
        throw new ApiError(404, 'ResourceNotFoundException', 'No such application, environment or profile');
      const minimum = input.RequiredMinimumPollIntervalInSeconds;
      if (minimum !== undefined && (typeof minimum !== 'number' || minimum < 15 || minimum > 86_400)) {
        throw new ApiError(
          400,
          'BadRequestException',
          'RequiredMinimumPollIntervalInSeconds must be 15..86400',
        );
      }
      const token = randomUUID();
      sessions.set(token, { served: undefined });
      json(201, { InitialConfigurationToken: token });
      return;
    }
    if (method === 'GET' && url.pathname === '/configuration') {
      const token = url.searchParams.get('configuration_token') ?? '';
      const session = sessions.get(token);
      if (!session) throw new ApiError(400, 'BadRequestException', 'Invalid or used configuration token');
      sessions.delete(token);
      const next = randomUUID();
      const version = live === undefined ? undefined : versions.find((v) => String(v.VersionNumber) === live);
      const changed = version !== undefined && session.served !== live;
      sessions.set(next, { served: version ? live : undefined });
      response.writeHead(200, {
        'Next-Poll-Configuration-Token': next,
        'Next-Poll-Interval-In-Seconds': '15',
        'Content-Type': version?.ContentType ?? 'application/octet-stream',
        ...(version?.VersionLabel ? { 'Version-Label': version.VersionLabel } : {}),
      });
      response.end(changed ? version.content : Buffer.alloc(0));
      return;
    }

    // ── AppConfig: hosted configuration versions ──
    if (url.pathname === profilePath && method === 'POST') {
      const latest = request.headers['latest-version-number'];
      const newest = versions.at(-1)?.VersionNumber ?? 0;
      if (latest !== undefined && Number(latest) !== newest) {
        throw new ApiError(409, 'ConflictException', `The latest version number is ${newest}, not ${latest}`);
      }
      const label = header(request, 'versionlabel');
      if (label !== undefined && /^\d+$/.test(label)) {
        throw new ApiError(400, 'BadRequestException', 'VersionLabel must contain a non-numeric character');
      }
      const version: HostedVersion = {
        VersionNumber: newest + 1,
        ContentType: header(request, 'content-type') ?? 'application/octet-stream',
        content: body,
        ...(header(request, 'description') !== undefined
          ? { Description: header(request, 'description') }
          : {}),
        ...(label !== undefined ? { VersionLabel: label } : {}),
      };
      versions.push(version);
      response.writeHead(201, versionHeaders(version));
      response.end(body);
      return;
    }
    if (url.pathname === profilePath && method === 'GET') {
      json(200, {
        Items: [...versions].reverse().map(({ content: _content, ...item }) => ({
          ApplicationId: options.application,
          ConfigurationProfileId: options.profile,
          ...item,
        })),
      });
      return;
    }
    if (url.pathname.startsWith(`${profilePath}/`) && method === 'GET') {
      const number = Number(url.pathname.slice(profilePath.length + 1));
      const version = versions.find((v) => v.VersionNumber === number);
      if (!version) throw new ApiError(404, 'ResourceNotFoundException', `No version ${number}`);
      response.writeHead(200, versionHeaders(version));
      response.end(version.content);
      return;
    }

    // ── AppConfig: deployments ──
    if (url.pathname === envPath && method === 'POST') {
      const input = parseJson(body) as Record<string, unknown>;
      if (
        input.ConfigurationProfileId !== options.profile ||
        input.DeploymentStrategyId !== options.strategy
      ) {
        throw new ApiError(404, 'ResourceNotFoundException', 'No such configuration profile or strategy');
      }
      const version = versions.find((v) => String(v.VersionNumber) === input.ConfigurationVersion);
      if (!version) throw new ApiError(404, 'ResourceNotFoundException', 'No such configuration version');
      if (inProgress()) {
        throw new ApiError(
          409,
          'ConflictException',
          'A deployment is already in progress for this environment',
        );
      }
      const deployment: Deployment = {
        DeploymentNumber: deployments.length + 1,
        ConfigurationVersion: String(version.VersionNumber),
        State: 'DEPLOYING',
        StartedAt: new Date().toISOString(),
        previous: live,
        ...(typeof input.Description === 'string' ? { Description: input.Description } : {}),
        ...(version.VersionLabel ? { VersionLabel: version.VersionLabel } : {}),
      };
      deployments.push(deployment);
      live = deployment.ConfigurationVersion;
      if (!options.holdDeployments) complete(deployment);
      json(201, summary(deployment));
      return;
    }
    if (url.pathname === envPath && method === 'GET') {
      json(200, { Items: [...deployments].reverse().map(summary) });
      return;
    }
    if (url.pathname.startsWith(`${envPath}/`)) {
      const number = Number(url.pathname.slice(envPath.length + 1));
      const deployment = deployments.find((d) => d.DeploymentNumber === number);
      if (!deployment) throw new ApiError(404, 'ResourceNotFoundException', `No deployment ${number}`);
      if (method === 'GET') {
        json(200, summary(deployment));
        return;
      }
      if (method === 'DELETE') {
        if (deployment.State !== 'DEPLOYING') {
          throw new ApiError(400, 'BadRequestException', 'Only a deployment in progress can be stopped');
        }
        deployment.State = 'ROLLED_BACK';
        live = deployment.previous;
        json(202, summary(deployment));
        return;
      }
    }
    throw new ApiError(404, 'ResourceNotFoundException', `No route for ${method} ${url.pathname}`);
  }

  function complete(deployment: Deployment): void {
    deployment.State = 'COMPLETE';
    deployment.CompletedAt = new Date().toISOString();
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      const failure =
        error instanceof ApiError ? error : new ApiError(500, 'InternalServerException', 'stand-in failure');
      response.writeHead(failure.status, {
        'content-type': 'application/json',
        'x-amzn-ErrorType': failure.type,
      });
      response.end(JSON.stringify({ Message: failure.message }));
    });
  });
  const { url, close } = await listenOnLoopback(server, port);
  return {
    url,
    calls: () => [...calls],
    completeDeployments() {
      for (const deployment of deployments) if (deployment.State === 'DEPLOYING') complete(deployment);
    },
    deployed: () => live,
    close,
  };
}

function versionHeaders(version: HostedVersion): Record<string, string> {
  return {
    'Version-Number': String(version.VersionNumber),
    'Content-Type': version.ContentType,
    ...(version.Description !== undefined ? { Description: version.Description } : {}),
    ...(version.VersionLabel !== undefined ? { VersionLabel: version.VersionLabel } : {}),
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw new ApiError(400, 'BadRequestException', 'The request body is not JSON');
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
