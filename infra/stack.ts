import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  Aws,
  CfnOutput,
  Duration,
  RemovalPolicy,
  SecretValue,
  Stack,
  type StackProps,
  Tags,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, type HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { EgressNetwork } from '#infra/constructs/EgressNetwork.ts';
import { LeadgateFunction, SOURCES_DIR_IN_BUNDLE } from '#infra/constructs/LeadgateFunction.ts';
import { Monitoring } from '#infra/constructs/Monitoring.ts';
import { readSettings, type Settings } from '#infra/settings.ts';
import { CAPTURE_MEMORY_MB, DELIVER_MEMORY_MB } from '#infra/sizing.ts';
import { env } from '#shared/config.ts';
import { routes } from '#shared/http/routes.ts';
import {
  DELIVER_BATCH_SIZE,
  DELIVER_TIMEOUT_SECONDS,
  deadLetterQueue,
  leadsQueue,
} from '#shared/queue/definition.ts';
import { loadSources } from '#shared/sources/loader.ts';

/** The repository root: the functions' entry points, package-lock.json and the default sources folder. */
export const projectRoot = resolve(import.meta.dirname, '..');

/** Memory of the functions (infra/sizing.ts, where bench/cost.ts reads them too). */
export { CAPTURE_MEMORY_MB, DELIVER_MEMORY_MB };
/** The capture function answers an HTTP request; API Gateway gives up after 30 s anyway. */
export const CAPTURE_TIMEOUT_SECONDS = 10;

/** The placeholder the secret is created with; operators overwrite the whole JSON (docs/operations.md). */
export const SECRET_PLACEHOLDER = { ONPIPELINE_TOKEN: 'REPLACE_ME' } as const;

/**
 * HTTP API access log line. No query string, header or body: Meta's verify token travels in the
 * query string, and lead data in the body.
 */
const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
};

/**
 * The leads queue's visibility timeout on AWS: the shared definition's 6 × the deliver timeout (what
 * the local poller, which has no batching window, uses) plus the trigger's batching window, as AWS
 * recommends for an SQS event source with a window ("six times your function timeout, plus the value
 * of MaximumBatchingWindowInSeconds"): a lead is received, and its visibility clock runs, while the
 * window is still gathering the rest of its batch.
 *
 * @example
 * leadsVisibilityTimeoutSeconds(20); // 200 with the 30 s deliver timeout
 */
export function leadsVisibilityTimeoutSeconds(batchingWindowSeconds: number): number {
  return leadsQueue.visibilityTimeoutSeconds + batchingWindowSeconds;
}

export interface LeadgateStackProps extends StackProps {
  /** The settings; default: read from CDK context with `readSettings`. */
  settings?: Settings;
}

/**
 * leadgate on AWS: HTTP API → `capture` Lambda → SQS `leads` (+ `leads-dlq`) → `deliver` Lambda in
 * private subnets → one NAT gateway with a retained Elastic IP → Onpipeline. Secrets live in one
 * Secrets Manager secret read at run time; delivered keys in a DynamoDB idempotency table; alarms
 * go to an encrypted SNS topic. The source configs are validated at synth: an invalid one fails
 * synth with the loader's message.
 *
 * @example
 * const app = new App();
 * const settings = readSettings(app.node);
 * new LeadgateStack(app, settings.stackName, { settings });
 */
export class LeadgateStack extends Stack {
  readonly settings: Settings;
  readonly api: HttpApi;
  readonly leads: Queue;
  readonly deadLetters: Queue;
  readonly capture: LeadgateFunction;
  readonly deliver: LeadgateFunction;
  readonly secrets: Secret;
  readonly idempotencyTable: Table;
  readonly network: EgressNetwork;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: LeadgateStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? readSettings(this.node);
    this.settings = settings;
    Tags.of(this).add('app', 'leadgate');

    // ── Source configs: validated now, so an invalid config fails synth with the loader's message ──
    const sourcesDir = resolve(projectRoot, settings.sourcesDir);
    loadSources(sourcesDir);
    const sourceFiles = readdirSync(sourcesDir)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => join(sourcesDir, name));

    // ── Queues, from the one definition the local runtime uses too ──
    if (leadsQueue.visibilityTimeoutSeconds < 6 * DELIVER_TIMEOUT_SECONDS) {
      throw new Error(
        'shared/queue/definition.ts: the leads visibility timeout must be ≥ 6 × the deliver timeout',
      );
    }
    const batchingWindowSeconds = settings.deliverBatchingWindowSeconds;
    const leadsVisibilitySeconds = leadsVisibilityTimeoutSeconds(batchingWindowSeconds);
    this.deadLetters = new Queue(this, 'LeadsDeadLetterQueue', {
      retentionPeriod: Duration.seconds(deadLetterQueue.retentionSeconds),
      visibilityTimeout: Duration.seconds(deadLetterQueue.visibilityTimeoutSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Leads are business data: deleting the stack must not delete the ones not yet delivered.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.leads = new Queue(this, 'LeadsQueue', {
      retentionPeriod: Duration.seconds(leadsQueue.retentionSeconds),
      visibilityTimeout: Duration.seconds(leadsVisibilitySeconds),
      receiveMessageWaitTime: Duration.seconds(leadsQueue.receiveWaitTimeSeconds),
      maxMessageSizeBytes: leadsQueue.maximumMessageSizeBytes,
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: leadsQueue.maxReceiveCount },
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ── Secrets: one JSON object of name → value, created with a placeholder, set by operators ──
    this.secrets = new Secret(this, 'Secrets', {
      secretName: `${settings.stackName}/secrets`,
      description:
        'leadgate secrets by name (JSON object): ONPIPELINE_TOKEN and every secret the source configs ' +
        'reference. Created with a placeholder; set it with put-secret-value (docs/operations.md).',
      // A placeholder, not a secret. This property never changes, so CloudFormation never
      // overwrites the value operators put.
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify(SECRET_PLACEHOLDER)),
    });
    Validations.of(this.secrets).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds third-party credentials (Onpipeline API token, ad-network and partner keys) ' +
        'issued by those services; Secrets Manager has no rotation function for them. Operators rotate ' +
        'them at the issuer and put the new value (docs/operations.md); the functions re-read the secret ' +
        'within five minutes.',
    });

    // ── Idempotency: the Powertools DynamoDB layout (partition key id, TTL attribute expiration) ──
    this.idempotencyTable = new Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ── Network: private subnets, exactly one NAT gateway with the whitelisted Elastic IP ──
    this.network = new EgressNetwork(this, 'Network', {
      eipAllocationId: settings.natEipAllocationId,
      extraEgressPorts: [Number(new URL(settings.onpipelineUrl).port || 443)],
      logRetention: settings.logRetentionDays,
      name: settings.stackName,
    });

    // ── Functions: locations and settings in the environment, never a secret value ──
    const environment = {
      [env.leadsQueueUrl]: this.leads.queueUrl,
      [env.deadLetterQueueUrl]: this.deadLetters.queueUrl,
      [env.secretsArn]: this.secrets.secretArn,
      [env.sourcesDir]: SOURCES_DIR_IN_BUNDLE,
      [env.onpipelineUrl]: settings.onpipelineUrl,
      POWERTOOLS_SERVICE_NAME: 'leadgate',
      POWERTOOLS_METRICS_NAMESPACE: 'leadgate',
      LOG_LEVEL: settings.logLevel,
    };
    this.capture = new LeadgateFunction(this, 'Capture', {
      entry: join(projectRoot, 'functions/capture/handler.ts'),
      projectRoot,
      description: 'leadgate capture: HTTP API → authenticate, validate → leads queue',
      timeout: Duration.seconds(CAPTURE_TIMEOUT_SECONDS),
      memorySize: CAPTURE_MEMORY_MB,
      environment,
      logRetention: settings.logRetentionDays,
      sourceFiles,
    });
    this.deliver = new LeadgateFunction(this, 'Deliver', {
      entry: join(projectRoot, 'functions/deliver/handler.ts'),
      projectRoot,
      description: 'leadgate deliver: leads queue → Onpipeline Leadsin, from the NAT egress IP',
      timeout: Duration.seconds(DELIVER_TIMEOUT_SECONDS),
      memorySize: DELIVER_MEMORY_MB,
      environment: { ...environment, [env.idempotencyTable]: this.idempotencyTable.tableName },
      logRetention: settings.logRetentionDays,
      sourceFiles,
      vpc: this.network.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.network.securityGroup],
    });

    // ── Permissions: every data-plane statement names its resource ──
    const allow = (fn: LeadgateFunction, actions: string[], resource: string) =>
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [resource] }));
    allow(this.capture, ['sqs:SendMessage'], this.leads.queueArn);
    allow(this.capture, ['secretsmanager:GetSecretValue'], this.secrets.secretArn);
    allow(this.deliver, ['secretsmanager:GetSecretValue'], this.secrets.secretArn);
    allow(this.deliver, ['sqs:SendMessage'], this.deadLetters.queueArn);
    allow(
      this.deliver,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      this.idempotencyTable.tableArn,
    );
    // The event source grants ReceiveMessage, ChangeMessageVisibility, DeleteMessage,
    // GetQueueAttributes and GetQueueUrl on the leads queue only. The batching window is always
    // rendered, 0 included: turning it off is an explicit value in the template, not a removed property.
    this.deliver.fn.addEventSource(
      new SqsEventSource(this.leads, {
        batchSize: DELIVER_BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(batchingWindowSeconds),
        reportBatchItemFailures: true,
        maxConcurrency: settings.deliverMaxConcurrency,
      }),
    );

    // ── HTTP API: every route of the contract → capture ──
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: settings.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api = new HttpApi(this, 'Api', {
      apiName: settings.stackName,
      description: 'leadgate: lead capture for Onpipeline',
      createDefaultStage: false,
    });
    const stage = new HttpStage(this, 'ApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.throttleRateLimit, burstLimit: settings.throttleBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)),
      },
    });
    const integration = new HttpLambdaIntegration('Capture', this.capture.fn);
    for (const route of routes) {
      this.api.addRoutes({ path: route.path, methods: [route.method as HttpMethod], integration });
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The senders are website forms, ad networks (Google Ads, Meta, LinkedIn, TikTok) and partner ' +
        'systems, none of which can present IAM, Cognito or JWT credentials. Each route authenticates in ' +
        'the capture function with the mechanism its sender supports (HMAC signatures, API keys or ' +
        'Standard Webhooks signatures checked against Secrets Manager, allowed origins and honeypot for ' +
        'forms) and rejects anything else with 401/403 before a lead is queued; the stage is throttled.',
    });

    // ── Alarms and dashboard ──
    this.monitoring = new Monitoring(this, 'Monitoring', {
      name: settings.stackName,
      api: this.api,
      capture: this.capture.fn,
      deliver: this.deliver.fn,
      leads: this.leads,
      deadLetters: this.deadLetters,
      oldestMessageAgeSeconds: settings.oldestMessageAgeSeconds,
      alarmEmail: settings.alarmEmail,
    });

    // ── Outputs ──
    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the HTTP API', value: stage.url });
    if (this.network.eip !== undefined) {
      new CfnOutput(this, 'EgressIp', {
        description: 'The address Onpipeline must whitelist; retained across redeploys and stack deletion',
        value: this.network.eip.attrPublicIp,
      });
    }
    new CfnOutput(this, 'EgressIpAllocationId', {
      description: 'Elastic IP allocation of the NAT gateway; pin it with -c natEipAllocationId=<this>',
      value: this.network.eipAllocationId,
    });
    new CfnOutput(this, 'SecretsArn', {
      description: 'The secret holding every secret by name (put-secret-value)',
      value: this.secrets.secretArn,
    });
    new CfnOutput(this, 'LeadsQueueUrl', { value: this.leads.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetters.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'CloudWatch dashboard: ingest, queue depth, delivery outcomes',
      value:
        `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}` +
        `#dashboards:name=${this.monitoring.dashboard.dashboardName}`,
    });
  }
}
