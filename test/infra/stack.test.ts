import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUTH_UNAVAILABLE_METRIC,
  channels,
  FETCH_CONFIGURATION_METRICS,
  REJECTED_THRESHOLD,
  SIGNATURE_REFUSED_THRESHOLD,
  TRANSIENT_THRESHOLD,
} from '#infra/constructs/monitoring.ts';
import {
  CAPTURE_MEMORY_MB,
  DEFAULT_TRACING,
  DELIVER_BATCHING_WINDOW_SECONDS,
  DELIVER_MEMORY_MB,
} from '#infra/sizing.ts';
import { LeadgateStack, projectRoot } from '#infra/stack.ts';
import { routes } from '#shared/http/routes.ts';
import { DELIVER_BATCH_SIZE, DELIVER_TIMEOUT_SECONDS, leadsQueue } from '#shared/queue/definition.ts';
import { readSourcesBundle } from '#shared/sources/bundle.ts';
import { loadSources } from '#shared/sources/loader.ts';
import { cdkContext, type Json, type Resource, templateQueries } from '#test/support/template.ts';

type Statement = { policy: string; statement: Record<string, Json> };

/** What `cdk synth` asks for besides the path metadata. */
const cliContext = { ...cdkContext, 'aws:cdk:enable-asset-metadata': true };

const allowedEnvironmentNames = new Set([
  'LEADS_QUEUE_URL',
  'LEADS_DLQ_URL',
  'SECRETS_ARN',
  'SOURCES_DIR',
  'ONPIPELINE_URL',
  'IDEMPOTENCY_TABLE',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'LOG_LEVEL',
  'NODE_OPTIONS',
  'APPCONFIG_APPLICATION_ID',
  'APPCONFIG_ENVIRONMENT_ID',
  'APPCONFIG_PROFILE_ID',
]);

/** Twenty or more letters and digits mixed, as API tokens and keys are. */
const tokenLike = /^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9+/_=.-]{20,}$/;

let template: Template;
let resources: Record<string, Resource>;
let assemblyDir: string;
let terminationProtection: boolean | undefined;

const { ofType, logicalIdOf, alarms } = templateQueries(() => resources);

function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

describe('LeadgateStack', () => {
  beforeAll(() => {
    // Prepare
    assemblyDir = mkdtempSync(join(tmpdir(), 'leadgate-cdk-'));
    const app = new App({
      outdir: assemblyDir,
      context: {
        ...cliContext,
        deliverMaxConcurrency: '7',
        oldestMessageAgeSeconds: 600,
        alarmEmail: 'ops@example.com',
      },
    });
    const stack = new LeadgateStack(app, 'LeadgateTest');

    // Act
    const assembly = app.synth();

    const artifact = assembly.getStackByName(stack.stackName);
    terminationProtection = artifact.terminationProtection;
    template = Template.fromJSON(artifact.template);
    resources = template.toJSON().Resources;
  });

  afterAll(() => {
    rmSync(assemblyDir, { recursive: true, force: true });
  });

  describe('egress', () => {
    it('has exactly one NAT gateway, using the one Elastic IP the stack allocates', () => {
      // Assess
      const nats = ofType('AWS::EC2::NatGateway');
      const eips = ofType('AWS::EC2::EIP');
      expect(nats).toHaveLength(1);
      expect(eips).toHaveLength(1);
      const [eipId, eip] = eips[0] ?? [];
      expect(nats[0]?.[1].Properties.AllocationId).toEqual({ 'Fn::GetAtt': [eipId, 'AllocationId'] });
      expect(eip?.Properties.Domain).toBe('vpc');
    });

    it('retains the Elastic IP on delete and replacement, pins its logical ID, and outputs it', () => {
      // Assess
      const [eipId, eip] = ofType('AWS::EC2::EIP')[0] ?? [];
      // A new logical ID would mean a new address: this one must never change.
      expect(eipId).toBe('NatEgressIp');
      expect(eip?.DeletionPolicy).toBe('Retain');
      expect(eip).toHaveProperty('UpdateReplacePolicy', 'Retain');
      template.hasOutput('EgressIp', { Value: { 'Fn::GetAtt': [eipId, 'PublicIp'] } });
      template.hasOutput('EgressIpAllocationId', { Value: { 'Fn::GetAtt': [eipId, 'AllocationId'] } });
      template.hasOutput('ApiUrl', Match.anyValue());
    });

    it('runs deliver only in private subnets routed through the NAT gateway', () => {
      // Assess
      const deliverId = logicalIdOf('AWS::Lambda::Function', '/Deliver/');
      const subnetRefs: { Ref: string }[] = resources[deliverId]?.Properties.VpcConfig.SubnetIds;
      expect(subnetRefs.length).toBeGreaterThan(0);
      for (const { Ref: subnetId } of subnetRefs) {
        const subnet = resources[subnetId];
        expect(subnet?.Properties.MapPublicIpOnLaunch).toBe(false);
        expect(subnet?.Properties.Tags).toContainEqual({ Key: 'aws-cdk:subnet-type', Value: 'Private' });
        const association = Object.values(resources).find(
          (resource) =>
            resource.Type === 'AWS::EC2::SubnetRouteTableAssociation' &&
            resource.Properties.SubnetId.Ref === subnetId,
        );
        const defaultRoute = Object.values(resources).find(
          (resource) =>
            resource.Type === 'AWS::EC2::Route' &&
            resource.Properties.RouteTableId.Ref === association?.Properties.RouteTableId.Ref &&
            resource.Properties.DestinationCidrBlock === '0.0.0.0/0',
        );
        expect(defaultRoute?.Properties).toHaveProperty('NatGatewayId');
        expect(defaultRoute?.Properties).not.toHaveProperty('GatewayId');
      }
    });

    it('keeps the capture function out of the VPC and limits deliver to outbound HTTPS', () => {
      // Assess
      const captureId = logicalIdOf('AWS::Lambda::Function', '/Capture/');
      expect(resources[captureId]?.Properties).not.toHaveProperty('VpcConfig');
      template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        SecurityGroupEgress: [
          Match.objectLike({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
        ],
      });
    });

    it('turns VPC flow logs on', () => {
      // Assess
      template.resourceCountIs('AWS::EC2::FlowLog', 1);
      template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
    });
  });

  describe('queues', () => {
    it('redrives leads to the DLQ after maxReceiveCount receives, from the shared definition', () => {
      // Assess
      const dlqId = logicalIdOf('AWS::SQS::Queue', '/LeadsDeadLetterQueue/');
      const leadsId = logicalIdOf('AWS::SQS::Queue', '/LeadsQueue/');
      expect(resources[leadsId]?.Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: leadsQueue.maxReceiveCount,
      });
      expect(resources[leadsId]?.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      expect(resources[dlqId]?.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    });

    it('lets only the leads queue use the DLQ (redrive allow policy by queue)', () => {
      // Assess
      const dlqId = logicalIdOf('AWS::SQS::Queue', '/LeadsDeadLetterQueue/');
      const leadsId = logicalIdOf('AWS::SQS::Queue', '/LeadsQueue/');
      const leadsName = `Leadgate-${leadsQueue.name}`;
      expect(resources[leadsId]?.Properties.QueueName).toBe(leadsName);
      expect(resources[dlqId]?.Properties.RedriveAllowPolicy).toEqual({
        redrivePermission: 'byQueue',
        sourceQueueArns: [
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':sqs:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                `:${leadsName}`,
              ],
            ],
          },
        ],
      });
    });

    it.each([
      ['leads', '/LeadsQueue/'],
      ['leads-dlq', '/LeadsDeadLetterQueue/'],
    ])('retains %s when the stack is deleted', (_name, path) => {
      // Assess
      const queue = resources[logicalIdOf('AWS::SQS::Queue', path)];
      expect(queue?.DeletionPolicy).toBe('Retain');
      expect(queue).toHaveProperty('UpdateReplacePolicy', 'Retain');
    });

    it('sets the leads visibility timeout to 6 × the deliver timeout plus the batching window', () => {
      // Assess
      const leadsId = logicalIdOf('AWS::SQS::Queue', '/LeadsQueue/');
      const deliverId = logicalIdOf('AWS::Lambda::Function', '/Deliver/');
      const deliverTimeout = resources[deliverId]?.Properties.Timeout;
      const [, mapping] = ofType('AWS::Lambda::EventSourceMapping')[0] ?? [];
      const window = mapping?.Properties.MaximumBatchingWindowInSeconds;
      expect(deliverTimeout).toBe(DELIVER_TIMEOUT_SECONDS);
      expect(window).toBe(DELIVER_BATCHING_WINDOW_SECONDS);
      // AWS: "six times your function timeout, plus the value of MaximumBatchingWindowInSeconds".
      expect(resources[leadsId]?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(
        6 * deliverTimeout + window,
      );
      expect(resources[leadsId]?.Properties.VisibilityTimeout).toBe(
        leadsQueue.visibilityTimeoutSeconds + window,
      );
    });

    it.each([
      ['leads', '/LeadsQueue/'],
      ['leads-dlq', '/LeadsDeadLetterQueue/'],
    ])('encrypts %s and denies requests without TLS', (_name, path) => {
      // Assess
      const queueId = logicalIdOf('AWS::SQS::Queue', path);
      const properties = resources[queueId]?.Properties ?? {};
      expect(properties.SqsManagedSseEnabled === true || properties.KmsMasterKeyId !== undefined).toBe(true);
      const policies = ofType('AWS::SQS::QueuePolicy').filter(([, policy]) =>
        policy.Properties.Queues.some((queue: { Ref: string }) => queue.Ref === queueId),
      );
      expect(policies).toHaveLength(1);
      expect(policies[0]?.[1].Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    });

    it('triggers deliver with partial batch responses, the batch size, the batching window and the max concurrency', () => {
      // Assess
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', '/LeadsQueue/'), 'Arn'] },
        FunctionName: { Ref: logicalIdOf('AWS::Lambda::Function', '/Deliver/') },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: DELIVER_BATCH_SIZE,
        MaximumBatchingWindowInSeconds: DELIVER_BATCHING_WINDOW_SECONDS,
        ScalingConfig: { MaximumConcurrency: 7 },
      });
      expect(DELIVER_BATCHING_WINDOW_SECONDS).toBe(20);
    });

    it('turns on the event source mapping metrics', () => {
      // Assess
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        MetricsConfig: { Metrics: ['EventCount'] },
      });
    });
  });

  describe('functions', () => {
    it.each(['Capture', 'Deliver'])('runs %s on Node.js 24, arm64, with source maps', (name) => {
      // Assess
      const properties = resources[logicalIdOf('AWS::Lambda::Function', `/${name}/`)]?.Properties ?? {};
      expect(properties.Runtime).toBe('nodejs24.x');
      expect(properties.Architectures).toEqual(['arm64']);
      expect(properties.Handler).toBe('index.handler');
      expect(properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.any(String) });
      const logGroup = resources[properties.LoggingConfig.LogGroup.Ref];
      expect(logGroup?.Properties.RetentionInDays).toBe(30);
    });

    it.each([
      ['Capture', CAPTURE_MEMORY_MB, 512],
      ['Deliver', DELIVER_MEMORY_MB, 256],
    ])('gives %s its configured memory', (name, configured, expected) => {
      // Assess
      const properties = resources[logicalIdOf('AWS::Lambda::Function', `/${name}/`)]?.Properties ?? {};
      expect(configured).toBe(expected);
      expect(properties.MemorySize).toBe(expected);
    });

    it.each(['Capture', 'Deliver'])(
      'traces %s with X-Ray only when the tracing setting asks (default none)',
      (name) => {
        // Assess
        const properties = resources[logicalIdOf('AWS::Lambda::Function', `/${name}/`)]?.Properties ?? {};
        expect(DEFAULT_TRACING).toBe('none');
        expect(properties).not.toHaveProperty('TracingConfig');
      },
    );

    it('reserves no concurrency for capture by default', () => {
      // Assess
      const properties = resources[logicalIdOf('AWS::Lambda::Function', '/Capture/')]?.Properties ?? {};
      expect(properties).not.toHaveProperty('ReservedConcurrentExecutions');
    });

    it('puts no secret value in any function environment', () => {
      // Assess
      for (const [id, fn] of ofType('AWS::Lambda::Function')) {
        const variables: Record<string, unknown> = fn.Properties.Environment?.Variables ?? {};
        for (const [name, value] of Object.entries(variables)) {
          expect(allowedEnvironmentNames, `${id}: ${name}`).toContain(name);
          const text = JSON.stringify(value);
          expect(text, `${id}: ${name}`).not.toMatch(/resolve:secretsmanager|resolve:ssm/);
          if (typeof value === 'string') {
            expect(value, `${id}: ${name} looks like a token`).not.toMatch(tokenLike);
          } else {
            // A location, never a value: a queue URL, the secret ARN or the table name.
            expect(Object.keys(value as object)).toEqual(['Ref']);
          }
        }
      }
    });

    it('tells the functions where everything is', () => {
      // Assess
      const deliver = resources[logicalIdOf('AWS::Lambda::Function', '/Deliver/')]?.Properties;
      const capture = resources[logicalIdOf('AWS::Lambda::Function', '/Capture/')]?.Properties;
      const common = {
        LEADS_QUEUE_URL: { Ref: logicalIdOf('AWS::SQS::Queue', '/LeadsQueue/') },
        LEADS_DLQ_URL: { Ref: logicalIdOf('AWS::SQS::Queue', '/LeadsDeadLetterQueue/') },
        SOURCES_DIR: '/var/task/sources',
        ONPIPELINE_URL: 'https://api.onpipeline.com',
        POWERTOOLS_SERVICE_NAME: 'leadgate',
        POWERTOOLS_METRICS_NAMESPACE: 'leadgate',
        LOG_LEVEL: 'INFO',
      };
      expect(capture?.Environment.Variables).toMatchObject({
        ...common,
        SECRETS_ARN: { Ref: logicalIdOf('AWS::SecretsManager::Secret', '/GatewaySecrets/') },
      });
      expect(deliver?.Environment.Variables).toMatchObject({
        ...common,
        SECRETS_ARN: { Ref: logicalIdOf('AWS::SecretsManager::Secret', '/ApiTokens/') },
        IDEMPOTENCY_TABLE: { Ref: logicalIdOf('AWS::DynamoDB::Table', '/IdempotencyTable/') },
      });
    });

    it('ships the validated source configs inside both packages, as one JSON file (no YAML)', () => {
      // Assess
      const expected = loadSources(join(projectRoot, 'sources'));
      for (const [, fn] of ofType('AWS::Lambda::Function')) {
        const assetDir = join(assemblyDir, fn.Metadata['aws:asset:path']);
        expect(readSourcesBundle(join(assetDir, 'sources'))).toEqual(expected);
        expect(readdirSync(join(assetDir, 'sources'))).toEqual(['sources.json']);
        const code = readFileSync(join(assetDir, 'index.js'), 'utf8');
        expect(code).toContain('module.exports');
        expect(code).not.toMatch(/^import /m);
      }
    });
  });

  describe('permissions', () => {
    const dataActions = /^(sqs|dynamodb|secretsmanager):/;

    function statements(): Statement[] {
      const found: Statement[] = [];
      for (const [id, resource] of Object.entries(resources)) {
        const documents =
          resource.Type === 'AWS::IAM::Policy'
            ? [resource.Properties.PolicyDocument]
            : resource.Type === 'AWS::IAM::Role'
              ? (resource.Properties.Policies ?? []).map((policy: Json) => policy.PolicyDocument)
              : [];
        for (const document of documents) {
          for (const statement of document.Statement) found.push({ policy: id, statement });
        }
      }
      return found;
    }

    it('scopes every sqs, dynamodb and secretsmanager statement to specific ARNs', () => {
      // Assess
      const data = statements().filter(({ statement }) =>
        asArray<string>(statement.Action).some((action) => dataActions.test(action)),
      );
      expect(data.length).toBeGreaterThan(0);
      for (const { policy, statement } of data) {
        for (const resource of asArray(statement.Resource)) {
          expect(resource, `${policy}: ${JSON.stringify(statement.Action)}`).not.toBe('*');
          expect(JSON.stringify(resource)).not.toContain('*');
          expect(Object.keys(resource)).toEqual([expect.stringMatching(/^(Ref|Fn::GetAtt)$/)]);
        }
      }
    });

    it('uses no AWS managed policy and "*" only for EC2 Describe actions (X-Ray: with tracing on, below)', () => {
      // Assess
      for (const [, role] of ofType('AWS::IAM::Role'))
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const wildcard = statements().filter(({ statement }) => asArray(statement.Resource).includes('*'));
      const byPolicy = Object.fromEntries(
        wildcard.map(({ policy, statement }) => [policy, asArray<string>(statement.Action).sort()]),
      );
      expect(wildcard).toHaveLength(1);
      expect(byPolicy).toEqual({
        [logicalIdOf('AWS::IAM::Policy', '/Deliver/VpcAccess/')]: [
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
        ],
      });
      const actions = statements().flatMap(({ statement }) => asArray<string>(statement.Action));
      expect(actions.filter((action) => action.startsWith('xray:'))).toEqual([]);
    });

    it("scopes deliver's network-interface changes to its own VPC", () => {
      // Assess
      const policyId = logicalIdOf('AWS::IAM::Policy', '/Deliver/VpcAccess/');
      const vpcId = logicalIdOf('AWS::EC2::VPC', '/Network/Vpc/');
      const changing = statements().filter(
        ({ policy, statement }) =>
          policy === policyId && asArray(statement.Action).includes('ec2:CreateNetworkInterface'),
      );
      expect(changing).toHaveLength(1);
      const statement = changing[0]?.statement ?? {};
      expect(asArray<string>(statement.Action).sort()).toEqual([
        'ec2:AssignPrivateIpAddresses',
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:UnassignPrivateIpAddresses',
      ]);
      /** The ARN of an EC2 resource in this account and region: `arn:…:ec2:…:<account>:<type>` + `parts`. */
      const arnOf = (type: string, ...parts: Json[]) => ({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':ec2:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            `:${type}`,
            ...parts,
          ],
        ],
      });
      expect(asArray(statement.Resource)).toEqual(
        expect.arrayContaining([arnOf('network-interface/*'), arnOf('subnet/*'), arnOf('security-group/*')]),
      );
      expect(asArray(statement.Resource)).toHaveLength(3);
      expect(statement.Condition).toEqual({ ArnEquals: { 'ec2:Vpc': arnOf('vpc/', { Ref: vpcId }) } });
    });

    it.each([
      ['Capture', 'sqs:SendMessage', '/LeadsQueue/'],
      ['Capture', 'secretsmanager:GetSecretValue', '/GatewaySecrets/'],
      ['Deliver', 'sqs:ChangeMessageVisibility', '/LeadsQueue/'],
      ['Deliver', 'sqs:DeleteMessage', '/LeadsQueue/'],
      ['Deliver', 'sqs:SendMessage', '/LeadsDeadLetterQueue/'],
      ['Deliver', 'secretsmanager:GetSecretValue', '/ApiTokens/'],
      ['Deliver', 'dynamodb:GetItem', '/IdempotencyTable/'],
      ['Deliver', 'dynamodb:PutItem', '/IdempotencyTable/'],
      ['Deliver', 'dynamodb:UpdateItem', '/IdempotencyTable/'],
      ['Deliver', 'dynamodb:DeleteItem', '/IdempotencyTable/'],
    ])('lets %s %s on *%s* only', (fn, action, target) => {
      // Assess
      const policyId = logicalIdOf('AWS::IAM::Policy', `/${fn}/Role/DefaultPolicy`);
      const granting = statements().filter(
        ({ policy, statement }) => policy === policyId && asArray(statement.Action).includes(action),
      );
      expect(granting).toHaveLength(1);
      const targetId = Object.entries(resources).find(
        ([, resource]) =>
          resource.Type !== 'AWS::SQS::QueuePolicy' &&
          resource.Metadata?.['aws:cdk:path']?.includes(`${target}Resource`),
      )?.[0];
      const resourceRefs = asArray(granting[0]?.statement.Resource).map((resource) =>
        JSON.stringify(resource),
      );
      expect(resourceRefs).toHaveLength(1);
      expect(resourceRefs[0]).toContain(`"${targetId}"`);
    });

    it.each([
      ['Capture', '/ApiTokens/'],
      ['Deliver', '/GatewaySecrets/'],
    ])("does not let %s read the other function's secret (*%s*)", (fn, secretPath) => {
      // Assess
      const secretId = logicalIdOf('AWS::SecretsManager::Secret', secretPath);
      const roleId = logicalIdOf('AWS::IAM::Role', `/${fn}/Role/`);
      const ofRole = statements().filter(({ policy }) =>
        (resources[policy]?.Properties.Roles ?? [{ Ref: policy }]).some(
          (role: { Ref: string }) => role.Ref === roleId,
        ),
      );
      expect(ofRole.length).toBeGreaterThan(0);
      for (const { statement } of ofRole) {
        expect(JSON.stringify(statement.Resource)).not.toContain(`"${secretId}"`);
      }
      const reading = ofRole.filter(({ statement }) =>
        asArray<string>(statement.Action).some((action) => action.startsWith('secretsmanager:')),
      );
      expect(reading).toHaveLength(1);
    });

    it('gives capture nothing on the DLQ or the table', () => {
      // Assess
      const policyId = logicalIdOf('AWS::IAM::Policy', '/Capture/Role/DefaultPolicy');
      const actions = statements()
        .filter(({ policy }) => policy === policyId)
        .flatMap(({ statement }) => asArray<string>(statement.Action));
      expect(actions.sort()).toEqual(
        [
          'appconfig:GetLatestConfiguration',
          'appconfig:StartConfigurationSession',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'secretsmanager:GetSecretValue',
          'sqs:SendMessage',
        ].sort(),
      );
    });
  });

  describe('HTTP API', () => {
    it('creates exactly the routes of the HTTP contract, all to the capture function', () => {
      // Assess
      const created = ofType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties);
      expect(created.map((route) => route.RouteKey).sort()).toEqual(
        routes.map((route) => `${route.method} ${route.path}`).sort(),
      );
      const integrations = ofType('AWS::ApiGatewayV2::Integration');
      expect(integrations).toHaveLength(1);
      const [integrationId, integration] = integrations[0] ?? [];
      for (const route of created) {
        expect(route.Target).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] });
      }
      expect(integration?.Properties.IntegrationUri).toEqual({
        'Fn::GetAtt': [logicalIdOf('AWS::Lambda::Function', '/Capture/'), 'Arn'],
      });
      expect(integration?.Properties.PayloadFormatVersion).toBe('2.0');
    });

    it('throttles forms, partners, each webhook route and the script on their own, the rest with the default', () => {
      // Assess
      const [stageId, stage] = ofType('AWS::ApiGatewayV2::Stage')[0] ?? [];
      expect(stage?.Properties.DefaultRouteSettings).toEqual({
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      });
      const forms = { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 500 };
      const webhooks = { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 2000 };
      expect(stage?.Properties.RouteSettings).toEqual({
        'POST /v1/forms/{sourceId}': forms,
        'POST /v1/partners/{sourceId}/leads': { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 500 },
        'POST /v1/webhooks/google-ads/{sourceId}': webhooks,
        'GET /v1/webhooks/meta': webhooks,
        'POST /v1/webhooks/meta': webhooks,
        'GET /v1/webhooks/linkedin': webhooks,
        'POST /v1/webhooks/linkedin': webhooks,
        'POST /v1/webhooks/tiktok': webhooks,
        'GET /leadgate.js': { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 2000 },
      });
      // A burst of 300 form posts at once fits in the forms bucket; webhooks take far more.
      expect(forms.ThrottlingBurstLimit).toBeGreaterThanOrEqual(300);
      // Every route a setting names exists, and is created before the stage refers to it.
      const routeIds = ofType('AWS::ApiGatewayV2::Route').map(([id]) => id);
      const routeKeys = ofType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties.RouteKey);
      expect(routeKeys).toEqual(expect.arrayContaining(Object.keys(stage?.Properties.RouteSettings)));
      expect(resources[stageId ?? '']).toHaveProperty('DependsOn', expect.arrayContaining(routeIds));
    });

    it('writes access logs to a log group with retention', () => {
      // Assess
      const stages = ofType('AWS::ApiGatewayV2::Stage');
      expect(stages).toHaveLength(1);
      const stage = stages[0]?.[1].Properties ?? {};
      expect(stage.StageName).toBe('$default');
      const logGroupId = stage.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
      expect(resources[logGroupId]?.Properties.RetentionInDays).toBe(30);
      expect(JSON.parse(stage.AccessLogSettings.Format)).toMatchObject({ requestId: '$context.requestId' });
    });
  });

  describe('state', () => {
    it('creates the idempotency table in the Powertools layout', () => {
      // Assess
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    });

    it.each([
      ['/GatewaySecrets/', 'Leadgate/gateway-secrets', 'GatewaySecretsArn'],
      ['/ApiTokens/', 'Leadgate/api-tokens', 'ApiTokensArn'],
    ])('creates *%s* as %s, empty, retained and output', (path, name, output) => {
      // Assess
      template.resourceCountIs('AWS::SecretsManager::Secret', 2);
      const id = logicalIdOf('AWS::SecretsManager::Secret', path);
      const secret = resources[id];
      expect(secret?.Properties.Name).toBe(name);
      // No usable value: a placeholder verification secret would be a key anyone could sign with.
      expect(JSON.parse(secret?.Properties.SecretString)).toEqual({});
      expect(secret?.DeletionPolicy).toBe('Retain');
      expect(secret).toHaveProperty('UpdateReplacePolicy', 'Retain');
      template.hasOutput(output, { Value: { Ref: id } });
    });

    it('retains the idempotency table', () => {
      // Assess
      const table = resources[logicalIdOf('AWS::DynamoDB::Table', '/IdempotencyTable/')];
      expect(table?.DeletionPolicy).toBe('Retain');
    });

    it('protects the stack from deletion', () => {
      // Assess
      expect(terminationProtection).toBe(true);
    });
  });

  describe('alarms', () => {
    function alarmsOn(metricName: string, namespace: string) {
      return alarms().filter((alarm) => alarm.MetricName === metricName && alarm.Namespace === namespace);
    }

    /** Where every alarm and recovery goes: the alarm topic. */
    const alarmTopic = () => ({ Ref: logicalIdOf('AWS::SNS::Topic', '/AlarmTopic/') });

    it.each([
      ['the DLQ is not empty', 'ApproximateNumberOfMessagesVisible', 'AWS/SQS', 1],
      ['the oldest lead is too old', 'ApproximateAgeOfOldestMessage', 'AWS/SQS', 600],
      ['deliver fails', 'Errors', 'AWS/Lambda', 1],
      ['deliver is throttled', 'Throttles', 'AWS/Lambda', 1],
      ['the API answers 5xx', '5xx', 'AWS/ApiGateway', 1],
      ['Onpipeline rejects the configuration', 'onpipeline_configuration', 'leadgate', 1],
    ])('alarms when %s', (_when, metricName, namespace, threshold) => {
      // Assess
      const found = alarmsOn(metricName, namespace);
      expect(found.length).toBeGreaterThan(0);
      for (const alarm of found) {
        expect(alarm.Threshold).toBe(threshold);
        expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
        expect(alarm.AlarmActions).toEqual([alarmTopic()]);
      }
    });

    function customAlarm(metricName: string) {
      const found = alarmsOn(metricName, 'leadgate');
      expect(found, metricName).toHaveLength(1);
      return found[0];
    }

    /** Metric name, threshold, evaluation periods, datapoints to alarm (undefined: all of them). */
    type CustomAlarmCase = [string, number, number, number | undefined];
    it.each<CustomAlarmCase>([
      ['delivery_transient', TRANSIENT_THRESHOLD, 3, 2],
      ['delivery_ambiguous', 1, 1, undefined],
      ['onpipeline_configuration', 1, 1, undefined],
      [FETCH_CONFIGURATION_METRICS.meta, 1, 1, undefined],
      [FETCH_CONFIGURATION_METRICS.linkedin, 1, 1, undefined],
      [AUTH_UNAVAILABLE_METRIC, 1, 1, undefined],
      ...channels.flatMap((channel): CustomAlarmCase[] => [
        [`${channel}_signature_refused`, SIGNATURE_REFUSED_THRESHOLD, 1, undefined],
        [`${channel}_rejected`, REJECTED_THRESHOLD, 1, undefined],
      ]),
    ])('alarms within 15 minutes on %s (≥ %i)', (metricName, threshold, periods, datapoints) => {
      // Assess
      const alarm = customAlarm(metricName);
      expect(alarm).toMatchObject({
        Namespace: 'leadgate',
        Dimensions: [{ Name: 'service', Value: 'leadgate' }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: periods,
        TreatMissingData: 'notBreaching',
        AlarmActions: [alarmTopic()],
        OKActions: [alarmTopic()],
      });
      expect(alarm?.DatapointsToAlarm).toBe(datapoints);
      // Fires at most (periods) × 5 minutes after the trouble starts.
      expect(alarm?.Period * alarm?.EvaluationPeriods).toBeLessThanOrEqual(15 * 60);
      expect(alarm?.AlarmDescription).toMatch(/docs\/operations\.md#alarms$/);
      expect(alarm?.AlarmDescription.length).toBeGreaterThan(80);
    });

    it('alarms when no lead was accepted for 24 hours, counting silence as breaching', () => {
      // Assess
      const alarm = customAlarm('lead_accepted');
      expect(alarm).toMatchObject({
        AlarmName: 'Leadgate-no-leads-24h',
        Dimensions: [{ Name: 'service', Value: 'leadgate' }],
        Statistic: 'Sum',
        Period: 86_400,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        OKActions: [alarmTopic()],
      });
    });

    it('sends every alarm and every recovery to the alarm topic, with a runbook pointer', () => {
      // Assess
      const all = alarms();
      // + 1: sources-parked-leads, the rollback trigger of published sources (infra/stack.ts)
      expect(all).toHaveLength(8 + 6 + 2 * channels.length + 1);
      for (const alarm of all) {
        expect(alarm.AlarmActions).toEqual([alarmTopic()]);
        expect(alarm.OKActions).toEqual([alarmTopic()]);
        expect(alarm.AlarmDescription).toContain('Runbook: docs/operations.md#alarms');
        // What happened and what to do, not just a name.
        expect(alarm.AlarmDescription.length).toBeGreaterThan(100);
      }
    });

    it('alarms on the DLQ and the leads queue, not another queue', () => {
      // Assess
      const [dlqAlarm] = alarmsOn('ApproximateNumberOfMessagesVisible', 'AWS/SQS');
      const [ageAlarm] = alarmsOn('ApproximateAgeOfOldestMessage', 'AWS/SQS');
      const queueName = (id: string) => ({ 'Fn::GetAtt': [id, 'QueueName'] });
      expect(dlqAlarm?.Dimensions).toEqual([
        { Name: 'QueueName', Value: queueName(logicalIdOf('AWS::SQS::Queue', '/LeadsDeadLetterQueue/')) },
      ]);
      expect(ageAlarm?.Dimensions).toEqual([
        { Name: 'QueueName', Value: queueName(logicalIdOf('AWS::SQS::Queue', '/LeadsQueue/')) },
      ]);
    });

    it('sends alarms to an encrypted topic with the e-mail subscription', () => {
      // Assess
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
      });
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });

    it('has a dashboard', () => {
      // Assess
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      template.hasOutput('DashboardUrl', Match.anyValue());
    });
  });
});

describe('LeadgateStack with X-Ray tracing turned on (context tracing)', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'leadgate-cdk-'));

  const synthesised = new Map<string, Record<string, Resource>>();

  /** The resources of a stack with `tracing` set (synthesised once per value, functions not bundled). */
  function synthWithTracing(tracing: string): Record<string, Resource> {
    const cached = synthesised.get(tracing);
    if (cached) return cached;
    const app = new App({
      outdir: join(outdir, tracing),
      // No function bundling: these tests read the tracing config and the policies only.
      context: { ...cliContext, 'aws:cdk:bundling-stacks': [], tracing },
    });
    const stack = new LeadgateStack(app, 'LeadgateTraced');
    const resources = app.synth().getStackByName(stack.stackName).template.Resources;
    synthesised.set(tracing, resources);
    return resources;
  }

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it.each([
    ['deliver', { Capture: undefined, Deliver: { Mode: 'Active' } }],
    ['all', { Capture: { Mode: 'Active' }, Deliver: { Mode: 'Active' } }],
  ])('with tracing=%s gives the traced functions, and them only, a tracing config', (tracing, expected) => {
    // Act
    const traced = synthWithTracing(tracing);

    // Assess
    const { logicalIdOf } = templateQueries(() => traced);
    const modes = Object.fromEntries(
      (['Capture', 'Deliver'] as const).map((name) => [
        name,
        traced[logicalIdOf('AWS::Lambda::Function', `/${name}/`)]?.Properties.TracingConfig,
      ]),
    );
    expect(modes).toEqual(expected);
  });

  it.each([
    ['deliver', ['Deliver']],
    ['all', ['Capture', 'Deliver']],
  ])('with tracing=%s grants X-Ray on "*" to the traced functions only (%j)', (tracing, expected) => {
    // Act
    const traced = synthWithTracing(tracing);

    // Assess
    const { ofType } = templateQueries(() => traced);
    const xray = ofType('AWS::IAM::Policy').flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument.Statement as Json[])
        .filter((statement) => asArray<string>(statement.Action).some((action) => action.startsWith('xray:')))
        .map((statement) => ({
          path: policy.Metadata?.['aws:cdk:path'],
          actions: asArray<string>(statement.Action).sort(),
          resource: statement.Resource,
        })),
    );
    expect(xray).toEqual(
      expected.map((name) => ({
        path: `LeadgateTraced/${name}/Role/DefaultPolicy/Resource`,
        actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
        resource: '*',
      })),
    );
  });
});
