import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { startFakeAppConfig } from '#local/fakes/appconfig.ts';
import { startGateway } from '#local/gateway.ts';
import { type Poller, startPoller } from '#local/poller.ts';
import { startEmbeddedQueue } from '#local/queue.ts';
import { SANDBOX_TOKEN, startSandbox } from '#local/sandbox/server.ts';
import { env as settingNames } from '#shared/config.ts';
import type { HttpResult } from '#shared/http/response.ts';
import { routes } from '#shared/http/routes.ts';
import { type RehearsalLambda, startLambda } from './lambda.ts';
import { rehearsePublishing } from './live-config.ts';
import { type LocalSecret, startDynamoDb, startSecretsManager } from './standins.ts';
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type LocalValue,
  readAssembly,
  referencedId,
  resolveValue,
  resourcesOf,
  type Template,
  underTaskRoot,
} from './template.ts';

/**
 * The deploy rehearsal (docs/operations.md, "Deploy rehearsal"): synthesise the stack, then run the
 * function packages exactly as `cdk deploy` would upload them, each in a Lambda-like child process
 * with the environment the template gives it, against local stand-ins (the embedded queue for SQS,
 * dynalite for DynamoDB, a Secrets Manager stand-in, the Onpipeline sandbox). A form lead and a
 * partner lead go in through the capture package; the deliver package, driven like the SQS trigger,
 * must deliver each exactly once.
 */

export interface LeadOutcome {
  channel: 'form' | 'partner';
  sourceId: string;
  leadId: string;
  outcome: string;
  delivered: boolean;
}

export interface RehearsalResult {
  ok: boolean;
  leads: LeadOutcome[];
  problems: string[];
  /** The functions' own output (logs), for a failed rehearsal. */
  logs: Record<string, string>;
}

export interface RehearsalOptions {
  projectRoot: string;
  /** Progress lines; default silent. */
  log?: (line: string) => void;
  /** Keep the scratch folder (synthesised assembly, copied packages) for inspection. */
  keep?: boolean;
  /** How long deliver may take to settle both leads; default 60 s. */
  settleMs?: number;
}

/** The partner source the rehearsal adds to the shipped ones (a partner lead needs a partner source). */
export const REHEARSAL_PARTNER_ID = 'rehearsal-partner';
const PARTNER_KEY_NAME = 'REHEARSAL_PARTNER_KEY';
const PARTNER_SOURCE = `# Added by npm run rehearse to the shipped sources; never deployed.
channel: partner
description: Deploy rehearsal partner feed
partner: { apiKeys: [${PARTNER_KEY_NAME}] }
lead:
  FirstName: first_name
  LastName: last_name
  Email:
    - { from: email, type: work }
`;

const DUMMY_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'rehearsal',
  AWS_SECRET_ACCESS_KEY: 'rehearsal',
  AWS_SESSION_TOKEN: 'rehearsal',
};

export async function rehearse(options: RehearsalOptions): Promise<RehearsalResult> {
  const log = options.log ?? (() => undefined);
  const scratch = mkdtempSync(join(tmpdir(), 'leadgate-rehearsal-'));
  const stops: (() => Promise<void> | void)[] = [];
  const lambdas = new Map<string, RehearsalLambda>();
  const problems: string[] = [];
  try {
    // ── 1. synthesise: the shipped sources plus the rehearsal's partner source ──
    const sourcesDir = join(scratch, 'sources');
    mkdirSync(sourcesDir);
    for (const file of readdirSync(join(options.projectRoot, 'sources'))) {
      if (/\.ya?ml$/.test(file)) cpSync(join(options.projectRoot, 'sources', file), join(sourcesDir, file));
    }
    writeFileSync(join(sourcesDir, `${REHEARSAL_PARTNER_ID}.yaml`), PARTNER_SOURCE);
    const cdkOut = join(scratch, 'cdk.out');
    log(`synthesising the stack into ${cdkOut}`);
    await synth(options.projectRoot, cdkOut, sourcesDir);
    const { template, assets } = readAssembly(cdkOut);

    // ── 2. stand-ins ──
    const locals = new Map<string, LocalValue>();
    const queue = await startEmbeddedQueue({ port: 0, dataDir: join(scratch, 'queue') });
    stops.push(() => queue.stop());
    const sqs = new SQSClient({
      endpoint: queue.endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'rehearsal', secretAccessKey: 'rehearsal' },
    });
    stops.push(() => sqs.destroy());
    await createQueues(template, sqs, queue.endpoint, locals);

    const dynamo = await startDynamoDb();
    stops.push(() => dynamo.stop());
    for (const [id, table] of resourcesOf(template, 'AWS::DynamoDB::Table')) {
      const name = String(table.Properties?.TableName ?? id);
      await dynamo.createTable({
        name,
        keySchema: table.Properties?.KeySchema,
        attributeDefinitions: table.Properties?.AttributeDefinitions,
      });
      const arn = `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${name}`;
      locals.set(id, { ref: name, attributes: { Arn: arn } });
    }

    const sandbox = await startSandbox({ port: 0, dataFile: join(scratch, 'sandbox-leads.jsonl') });
    stops.push(() => sandbox.stop());

    // functions: who serves HTTP (API Gateway integrations), who is fed by a queue (event source mappings)
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    for (const [id] of functions) {
      locals.set(id, {
        ref: id,
        attributes: { Arn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${id}` },
      });
    }
    const httpFunctions = new Set(
      resourcesOf(template, 'AWS::ApiGatewayV2::Integration')
        .map(([, integration]) => referencedId(integration.Properties?.IntegrationUri))
        .filter((id): id is string => id !== undefined),
    );
    const mappings = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').map(([, mapping]) => ({
      functionId: referencedId(mapping.Properties?.FunctionName) ?? '',
      queueId: referencedId(mapping.Properties?.EventSourceArn) ?? '',
      batchSize: Number(mapping.Properties?.BatchSize ?? 10),
      reportsItemFailures: ((mapping.Properties?.FunctionResponseTypes ?? []) as string[]).includes(
        'ReportBatchItemFailures',
      ),
    }));
    const queueFunctions = new Set(mappings.map((mapping) => mapping.functionId));
    if (httpFunctions.size !== 1)
      throw new Error(`expected one function behind the HTTP API, found ${httpFunctions.size}`);
    if (queueFunctions.size !== 1)
      throw new Error(`expected one queue-fed function, found ${queueFunctions.size}`);

    // secrets: each one the template defines, with test values in the ones each function reads
    const secrets = new Map<string, LocalSecret & { values: Record<string, string> }>();
    for (const [id, secret] of resourcesOf(template, 'AWS::SecretsManager::Secret')) {
      const name = String(secret.Properties?.Name ?? id);
      const arn = `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${name}-Rhrsl0`;
      let values: Record<string, string> = {};
      try {
        const parsed: unknown = JSON.parse(String(secret.Properties?.SecretString ?? '{}'));
        if (parsed && typeof parsed === 'object') values = parsed as Record<string, string>;
      } catch {}
      secrets.set(id, { arn, name, value: '', values });
      locals.set(id, { ref: arn, attributes: { Id: arn } });
    }
    const partnerKey = `rehearsal-${randomBytes(12).toString('hex')}`;
    const testValues = (functionId: string): Record<string, string> =>
      httpFunctions.has(functionId)
        ? { [PARTNER_KEY_NAME]: partnerKey }
        : { ONPIPELINE_TOKEN: SANDBOX_TOKEN };
    for (const [id, fn] of functions) {
      for (const value of Object.values(fn.Properties?.Environment?.Variables ?? {})) {
        const secret = secrets.get(referencedId(value) ?? '');
        if (secret) Object.assign(secret.values, testValues(id));
      }
    }
    // AppConfig (the published sources): the stand-in under the ids the template's Refs resolve to.
    // Nothing is published, as on a fresh stack: the functions serve the sources bundled at synth.
    const appConfigIds = {
      application: 'rehearsalapp',
      environment: 'rehearsalenv',
      profile: 'rehearsalprf',
      strategy: 'rehearsalstr',
    };
    const appConfigTypes = {
      'AWS::AppConfig::Application': appConfigIds.application,
      'AWS::AppConfig::Environment': appConfigIds.environment,
      'AWS::AppConfig::ConfigurationProfile': appConfigIds.profile,
      'AWS::AppConfig::DeploymentStrategy': appConfigIds.strategy,
    };
    for (const [type, ref] of Object.entries(appConfigTypes)) {
      for (const [id] of resourcesOf(template, type)) locals.set(id, { ref, attributes: {} });
    }
    const appConfig = await startFakeAppConfig(appConfigIds);
    stops.push(() => appConfig.close());
    const secretsManager = await startSecretsManager(
      [...secrets.values()].map((secret) => ({ ...secret, value: JSON.stringify(secret.values) })),
    );
    stops.push(() => secretsManager.stop());
    log(
      `stand-ins: SQS ${queue.endpoint}, DynamoDB ${dynamo.endpoint}, Secrets Manager ${secretsManager.endpoint}, AppConfig ${appConfig.url}, Onpipeline sandbox ${sandbox.url}`,
    );

    // ── 3. the functions, each from its package, as Lambda runs it ──
    const endpoints = {
      AWS_ENDPOINT_URL_SQS: queue.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
      AWS_ENDPOINT_URL_APPCONFIGDATA: appConfig.url,
      // the second deliberate change: AppConfig's shortest poll interval, so step 7 takes seconds
      [settingNames.appConfigPollSeconds]: '15',
    };
    for (const [id, fn] of functions) {
      if (!httpFunctions.has(id) && !queueFunctions.has(id)) continue;
      const key = String(fn.Properties?.Code?.S3Key ?? '');
      const assetDir = assets[key];
      if (!assetDir) throw new Error(`${id}: no asset folder for its code (${key || 'no S3Key'})`);
      // a folder outside the repository: no package.json above it, as in /var/task
      const taskRoot = join(scratch, 'task', id);
      cpSync(assetDir, taskRoot, { recursive: true });
      const packageJson = packageJsonAbove(taskRoot);
      if (packageJson)
        throw new Error(`${packageJson} would decide how Lambda loads index.js: rehearse elsewhere`);
      const environment: Record<string, string> = {};
      for (const [name, value] of Object.entries(fn.Properties?.Environment?.Variables ?? {})) {
        environment[name] = underTaskRoot(resolveValue(value, locals, template), taskRoot);
      }
      // the one deliberate change: Onpipeline is the sandbox (the template's URL must be https)
      if (environment[settingNames.onpipelineUrl] !== undefined)
        environment[settingNames.onpipelineUrl] = sandbox.url;
      const lambda = await startLambda({
        name: id,
        taskRoot,
        handler: String(fn.Properties?.Handler ?? 'index.handler'),
        timeoutSeconds: Number(fn.Properties?.Timeout ?? 3),
        memoryMb: Number(fn.Properties?.MemorySize ?? 128),
        environment: {
          ...environment,
          ...endpoints,
          ...DUMMY_CREDENTIALS,
          AWS_REGION: LOCAL_REGION,
          AWS_DEFAULT_REGION: LOCAL_REGION,
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_CONFIG_FILE: join(scratch, 'no-aws-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'no-aws-credentials'),
        },
      });
      lambdas.set(id, lambda);
      stops.push(() => lambda.stop());
      log(`${id}: ${parse(assetDir).base} loaded (${fn.Properties?.Handler})`);
    }

    const templateRoutes = resourcesOf(template, 'AWS::ApiGatewayV2::Route')
      .map(([, route]) => String(route.Properties?.RouteKey))
      .sort();
    const localRoutes = routes.map((route) => `${route.method} ${route.path}`).sort();
    if (JSON.stringify(templateRoutes) !== JSON.stringify(localRoutes)) {
      problems.push(
        `the template's routes (${templateRoutes.join(', ')}) are not the gateway's (${localRoutes.join(', ')})`,
      );
    }

    // ── 4. API Gateway (the local adapter's payload 2.0 events) and the SQS trigger ──
    const [captureId] = [...httpFunctions];
    const capture = lambdas.get(captureId ?? '') as RehearsalLambda;
    const gateway = await startGateway({
      port: 0,
      handler: async (event) => (await capture.invoke(event)) as HttpResult,
    });
    stops.push(() => gateway.stop());
    const pollers: Poller[] = [];
    for (const mapping of mappings) {
      const deliver = lambdas.get(mapping.functionId) as RehearsalLambda;
      const source = locals.get(mapping.queueId);
      if (!source) throw new Error(`the event source mapping reads ${mapping.queueId}, which is not a queue`);
      const poller = startPoller({
        sqs,
        queueUrl: source.ref,
        queueArn: source.attributes.Arn as string,
        region: LOCAL_REGION,
        batchSize: mapping.batchSize,
        waitTimeSeconds: 1,
        // without ReportBatchItemFailures, Lambda deletes the whole batch when the handler returns
        handler: async (event) => {
          const answer = (await deliver.invoke(event)) as SQSBatchResponse | undefined;
          return mapping.reportsItemFailures ? answer : undefined;
        },
      });
      pollers.push(poller);
      stops.push(() => poller.stop());
    }

    // ── 5. a form lead and a partner lead ──
    const marker = randomBytes(4).toString('hex');
    const sent = [
      {
        channel: 'form' as const,
        sourceId: 'demo-contact',
        lastName: `Rehearsal-form-${marker}`,
        request: (lastName: string) =>
          fetch(`${gateway.url}/v1/forms/demo-contact`, {
            method: 'POST',
            headers: {
              origin: gateway.url,
              accept: 'application/json',
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: new URLSearchParams({
              first_name: 'Rehearsal',
              last_name: lastName,
              email: 'form@example.com',
            }),
          }),
      },
      {
        channel: 'partner' as const,
        sourceId: REHEARSAL_PARTNER_ID,
        lastName: `Rehearsal-partner-${marker}`,
        request: (lastName: string) =>
          fetch(`${gateway.url}/v1/partners/${REHEARSAL_PARTNER_ID}/leads`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': partnerKey },
            body: JSON.stringify({
              first_name: 'Rehearsal',
              last_name: lastName,
              email: 'partner@example.com',
            }),
          }),
      },
    ];
    const accepted: ((typeof sent)[number] & { status: number; id: string; answer: string })[] = [];
    for (const lead of sent) {
      const answer = await lead.request(lead.lastName);
      const text = await answer.text();
      let id = '';
      try {
        id = String((JSON.parse(text) as { id?: unknown }).id ?? '');
      } catch {}
      accepted.push({ ...lead, status: answer.status, id, answer: text.slice(0, 300) });
      log(`${lead.channel}: capture answered ${answer.status}`);
    }

    // ── 6. wait for deliver to settle every accepted lead (delivered or dead-lettered), bounded ──
    const leadsQueueId = mappings[0]?.queueId ?? '';
    const deadLetterUrl = deadLetterUrlOf(template, leadsQueueId, locals);
    const deadLettered = new Map<string, string>();
    const deadline = Date.now() + (options.settleMs ?? 60_000);
    const deliveredCount = (lastName: string) =>
      sandbox.leads().filter((item) => item.body.LastName === lastName).length;
    const settled = () =>
      accepted.every(
        (lead) => lead.status !== 202 || deliveredCount(lead.lastName) > 0 || deadLettered.has(lead.id),
      );
    while (Date.now() < deadline && !settled()) {
      if (deadLetterUrl) {
        for (const [id, reason] of await peekDeadLetters(sqs, deadLetterUrl)) deadLettered.set(id, reason);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // let a redelivery (a second send of the same lead) show, then count
    await waitForEmptyQueue(sqs, locals.get(leadsQueueId)?.ref ?? '', Math.max(0, deadline - Date.now()));

    const leads: LeadOutcome[] = accepted.map((lead) => {
      const count = deliveredCount(lead.lastName);
      const outcome =
        lead.status !== 202
          ? `refused by capture: ${lead.status} ${lead.answer}`
          : count === 1
            ? 'delivered'
            : count > 1
              ? `delivered ${count} times`
              : deadLettered.has(lead.id)
                ? `dead-lettered: ${deadLettered.get(lead.id)}`
                : 'not delivered';
      return {
        channel: lead.channel,
        sourceId: lead.sourceId,
        leadId: lead.id,
        outcome,
        delivered: outcome === 'delivered',
      };
    });
    // ── 7. a published mapping is in use within a minute, no deployment; a rollback too ──
    problems.push(
      ...(await rehearsePublishing({
        scratch,
        sourcesDir,
        gatewayUrl: gateway.url,
        appConfigUrl: appConfig.url,
        ids: appConfigIds,
        credentials: DUMMY_CREDENTIALS,
        region: LOCAL_REGION,
        leads: () => sandbox.leads(),
        log,
      })),
    );
    if (secretsManager.reads() === 0) problems.push('no function read its secrets from Secrets Manager');
    return {
      ok: problems.length === 0 && leads.every((lead) => lead.delivered),
      leads,
      problems,
      logs: Object.fromEntries([...lambdas].map(([id, lambda]) => [id, lambda.output()])),
    };
  } finally {
    // newest first: the trigger and the gateway stop before the functions they call
    for (const stop of stops.splice(0).reverse()) await Promise.resolve(stop()).catch(() => undefined);
    if (options.keep) log(`kept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}

/** The first package.json in `folder` or above it (Node reads its "type" to load a .js file). */
function packageJsonAbove(folder: string): string | undefined {
  for (let current = folder; ; current = dirname(current)) {
    if (existsSync(join(current, 'package.json'))) return join(current, 'package.json');
    if (dirname(current) === current) return undefined;
  }
}

/** `cdk synth` into `out`, with the rehearsal's sources, using the node that runs this script. */
function synth(projectRoot: string, out: string, sourcesDir: string): Promise<void> {
  const cdk = join(projectRoot, 'node_modules', '.bin', 'cdk');
  if (!existsSync(cdk)) return Promise.reject(new Error('node_modules/.bin/cdk is missing: run npm ci'));
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      cdk,
      ['synth', '--quiet', '--no-notices', '-o', out, '-c', `sourcesDir=${sourcesDir}`],
      {
        cwd: projectRoot,
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolvePromise()
        : reject(new Error(`cdk synth failed (exit ${code}):\n${output.slice(-4000)}`)),
    );
  });
}

/**
 * Creates every queue of the template on the embedded queue at `endpoint` with the template's own settings
 * (visibility, retention, size, redrive policy), dead-letter targets first.
 */
async function createQueues(
  template: Template,
  sqs: SQSClient,
  endpoint: string,
  locals: Map<string, LocalValue>,
): Promise<void> {
  const queues = resourcesOf(template, 'AWS::SQS::Queue');
  const targets = (properties: Record<string, unknown> | undefined) =>
    referencedId(
      (properties?.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn,
    );
  const ordered = [
    ...queues.filter(([, queue]) => !targets(queue.Properties)),
    ...queues.filter(([, queue]) => targets(queue.Properties)),
  ];
  for (const [id, queue] of ordered) {
    const properties = queue.Properties ?? {};
    const name = String(properties.QueueName ?? id);
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    // on the endpoint's host, as an AWS queue URL is on SQS's (the SDK sends to the queue URL's host)
    const url = `${endpoint}${new URL(created.QueueUrl as string).pathname}`;
    const attributes: Record<string, string> = {};
    for (const setting of [
      'VisibilityTimeout',
      'MessageRetentionPeriod',
      'MaximumMessageSize',
      'ReceiveMessageWaitTimeSeconds',
      'DelaySeconds',
    ]) {
      if (properties[setting] !== undefined) attributes[setting] = String(properties[setting]);
    }
    if (properties.RedrivePolicy) {
      const policy = properties.RedrivePolicy as { deadLetterTargetArn: unknown; maxReceiveCount: unknown };
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: resolveValue(policy.deadLetterTargetArn, locals, template),
        maxReceiveCount: String(policy.maxReceiveCount),
      });
    }
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
    const read = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    const arn = read.Attributes?.QueueArn as string;
    locals.set(id, { ref: url, attributes: { Arn: arn, QueueUrl: url, QueueName: name } });
  }
}

function deadLetterUrlOf(
  template: Template,
  queueId: string,
  locals: Map<string, LocalValue>,
): string | undefined {
  const policy = template.Resources[queueId]?.Properties?.RedrivePolicy as
    | { deadLetterTargetArn?: unknown }
    | undefined;
  const target = referencedId(policy?.deadLetterTargetArn);
  return target ? locals.get(target)?.ref : undefined;
}

/** Lead id → reason of every message on the DLQ (received with a short visibility: they stay). */
async function peekDeadLetters(sqs: SQSClient, url: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const answer = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 1,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'],
    }),
  );
  for (const message of answer.Messages ?? []) {
    let id = '';
    try {
      id = String((JSON.parse(message.Body ?? '{}') as { id?: unknown }).id ?? '');
    } catch {}
    const attributes = message.MessageAttributes ?? {};
    found.set(
      id,
      `${attributes.reason?.StringValue ?? 'max_receives_exceeded'} ${attributes.message?.StringValue ?? ''}`.trim(),
    );
  }
  return found;
}

async function waitForEmptyQueue(sqs: SQSClient, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answer = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const attributes = answer.Attributes ?? {};
    if (
      Number(attributes.ApproximateNumberOfMessages ?? 0) +
        Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0) ===
      0
    ) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export const defaultProjectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
