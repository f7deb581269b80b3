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
import {
  ApiMapping,
  type CfnStage,
  DomainName,
  HttpApi,
  type HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { MetricType } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { EdgeProtection } from '#infra/constructs/edge-protection.ts';
import { EgressNetwork } from '#infra/constructs/egress-network.ts';
import { LeadgateFunction, SOURCES_DIR_IN_BUNDLE } from '#infra/constructs/leadgate-function.ts';
import { LiveConfig } from '#infra/constructs/live-config.ts';
import { CUSTOM_METRICS, Monitoring } from '#infra/constructs/monitoring.ts';
import { readSettings, type Settings } from '#infra/settings.ts';
import { CAPTURE_MEMORY_MB, DELIVER_MEMORY_MB, tracedFunctions } from '#infra/sizing.ts';
import { env } from '#shared/config.ts';
import { type RouteKey, routes } from '#shared/http/routes.ts';
import {
  DELIVER_BATCH_SIZE,
  DELIVER_TIMEOUT_SECONDS,
  deadLetterQueue,
  leadsQueue,
} from '#shared/queue/definition.ts';
import { sourcesBundleText } from '#shared/sources/bundle.ts';
import { loadSources } from '#shared/sources/loader.ts';

/** The repository root: the functions' entry points, package-lock.json and the default sources folder. */
export const projectRoot = resolve(import.meta.dirname, '..');

/** Memory of the functions (infra/sizing.ts, where bench/cost.ts reads them too). */
export { CAPTURE_MEMORY_MB, DELIVER_MEMORY_MB };
/** The capture function answers an HTTP request; API Gateway gives up after 30 s anyway. */
export const CAPTURE_TIMEOUT_SECONDS = 10;

/**
 * The value both secrets are created with: an empty JSON object, so every name is missing until
 * operators put the real values (docs/operations.md, "Secrets"). Never a usable value: a placeholder
 * verification secret would be a key anyone reading this repository could sign requests with.
 */
export const SECRET_PLACEHOLDER = {} as const;

/** Which routes share which throttle setting (`<prefix>RateLimit` / `<prefix>BurstLimit`). */
export const routeThrottles: Partial<Record<RouteKey, 'forms' | 'partners' | 'webhooks' | 'script'>> = {
  'POST /v1/forms/{sourceId}': 'forms',
  'POST /v1/partners/{sourceId}/leads': 'partners',
  'POST /v1/webhooks/google-ads/{sourceId}': 'webhooks',
  'GET /v1/webhooks/meta': 'webhooks',
  'POST /v1/webhooks/meta': 'webhooks',
  'GET /v1/webhooks/linkedin': 'webhooks',
  'POST /v1/webhooks/linkedin': 'webhooks',
  'POST /v1/webhooks/tiktok': 'webhooks',
  // every page view of a landing page (docs/sources.md, "Attribution on every page")
  'GET /leadgate.js': 'script',
};

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
 * private subnets → one NAT gateway (or two) with a retained Elastic IP → Onpipeline. Secrets live in
 * two retained Secrets Manager secrets read at run time (verification secrets by capture, API tokens
 * by deliver); delivered keys in a DynamoDB idempotency table; alarms
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
  /** Verification secrets (Meta app secret and verify token, partner keys...): read by capture only. */
  readonly gatewaySecrets: Secret;
  /** API tokens (Onpipeline, Meta page tokens, LinkedIn): read by deliver only. */
  readonly apiTokens: Secret;
  readonly idempotencyTable: Table;
  readonly network: EgressNetwork;
  readonly monitoring: Monitoring;
  readonly edge: EdgeProtection | undefined;
  /** The published sources (AWS AppConfig): see docs/operations.md, "Publishing sources". */
  readonly liveConfig: LiveConfig;

  constructor(scope: Construct, id: string, props: LeadgateStackProps = {}) {
    // Deleting the stack needs a deliberate step first: it holds the address Onpipeline whitelisted
    // and the webhook endpoints the ad networks call (docs/operations.md, "Deleting the stack").
    super(scope, id, { terminationProtection: true, ...props });
    const settings = props.settings ?? readSettings(this.node);
    this.settings = settings;
    Tags.of(this).add('app', 'leadgate');
    if (settings.environment !== undefined) Tags.of(this).add('environment', settings.environment);
    if (settings.owner !== undefined) Tags.of(this).add('owner', settings.owner);

    // ── Source configs: validated now, so an invalid config fails synth with the loader's message ──
    // The functions get them as one JSON file of the validated configs (#shared/sources/bundle.ts).
    const sourcesDir = resolve(projectRoot, settings.sourcesDir);
    const sourcesBundle = sourcesBundleText(loadSources(sourcesDir));

    // ── Queues, from the one definition the local runtime uses too ──
    if (leadsQueue.visibilityTimeoutSeconds < 6 * DELIVER_TIMEOUT_SECONDS) {
      throw new Error(
        'shared/queue/definition.ts: the leads visibility timeout must be ≥ 6 × the deliver timeout',
      );
    }
    const batchingWindowSeconds = settings.deliverBatchingWindowSeconds;
    const leadsVisibilitySeconds = leadsVisibilityTimeoutSeconds(batchingWindowSeconds);
    // The leads queue has a fixed name so the DLQ can name it in its redrive allow policy without a
    // reference (leads → DLQ is a reference already; DLQ → leads would be a circular dependency).
    const leadsQueueName = `${settings.stackName}-${leadsQueue.name}`;
    const leadsQueueArn = this.formatArn({ service: 'sqs', resource: leadsQueueName });
    this.deadLetters = new Queue(this, 'LeadsDeadLetterQueue', {
      retentionPeriod: Duration.seconds(deadLetterQueue.retentionSeconds),
      visibilityTimeout: Duration.seconds(deadLetterQueue.visibilityTimeoutSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Only the leads queue may use leads-dlq as its dead-letter queue.
      redriveAllowPolicy: {
        redrivePermission: RedrivePermission.BY_QUEUE,
        sourceQueues: [Queue.fromQueueArn(this, 'LeadsQueueByName', leadsQueueArn)],
      },
      // Leads are business data: deleting the stack must not delete the ones not yet delivered.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.leads = new Queue(this, 'LeadsQueue', {
      queueName: leadsQueueName,
      retentionPeriod: Duration.seconds(leadsQueue.retentionSeconds),
      visibilityTimeout: Duration.seconds(leadsVisibilitySeconds),
      receiveMessageWaitTime: Duration.seconds(leadsQueue.receiveWaitTimeSeconds),
      maxMessageSizeBytes: leadsQueue.maximumMessageSizeBytes,
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: leadsQueue.maxReceiveCount },
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ── Secrets: two JSON objects of name → value, created empty, set by operators ──
    // Split by reader: capture can read only what it verifies requests with, deliver only the tokens
    // it calls APIs with. A leaked capture role cannot send to Onpipeline, and the other way round.
    this.gatewaySecrets = this.secret(
      'GatewaySecrets',
      `${settings.stackName}/gateway-secrets`,
      'leadgate verification secrets by name (JSON object), read by capture only: META_APP_SECRET, ' +
        'META_VERIFY_TOKEN, LINKEDIN_CLIENT_SECRET, TIKTOK_APP_SECRET, partner keys and signing secrets, ' +
        'Google Ads keys, CAPTCHA secrets. Created empty; set it with put-secret-value (docs/operations.md).',
    );
    this.apiTokens = this.secret(
      'ApiTokens',
      `${settings.stackName}/api-tokens`,
      'leadgate API tokens by name (JSON object), read by deliver only: ONPIPELINE_TOKEN, Meta page ' +
        'tokens, LINKEDIN_ACCESS_TOKEN. Created empty; set it with put-secret-value (docs/operations.md).',
    );

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
      natGateways: settings.natGateways,
      eipAllocationId2: settings.natEipAllocationId2,
      extraEgressPorts: [Number(new URL(settings.onpipelineUrl).port || 443)],
      logRetention: settings.logRetentionDays,
      name: settings.stackName,
    });

    // ── Functions: locations and settings in the environment, never a secret value ──
    const environment = {
      [env.leadsQueueUrl]: this.leads.queueUrl,
      [env.deadLetterQueueUrl]: this.deadLetters.queueUrl,
      [env.sourcesDir]: SOURCES_DIR_IN_BUNDLE,
      [env.onpipelineUrl]: settings.onpipelineUrl,
      POWERTOOLS_SERVICE_NAME: 'leadgate',
      POWERTOOLS_METRICS_NAMESPACE: 'leadgate',
      LOG_LEVEL: settings.logLevel,
    };
    // X-Ray active tracing only where the `tracing` setting asks for it (default none: infra/sizing.ts)
    const traced = tracedFunctions(settings.tracing);
    this.capture = new LeadgateFunction(this, 'Capture', {
      entry: join(projectRoot, 'functions/capture.ts'),
      projectRoot,
      description: 'leadgate capture: HTTP API → authenticate, validate → leads queue',
      timeout: Duration.seconds(CAPTURE_TIMEOUT_SECONDS),
      memorySize: CAPTURE_MEMORY_MB,
      tracing: traced.capture ? 'active' : 'disabled',
      environment: { ...environment, [env.secretsArn]: this.gatewaySecrets.secretArn },
      logRetention: settings.logRetentionDays,
      sourcesBundle,
      reservedConcurrentExecutions: settings.captureReservedConcurrency,
    });
    this.deliver = new LeadgateFunction(this, 'Deliver', {
      entry: join(projectRoot, 'functions/deliver.ts'),
      projectRoot,
      description: 'leadgate deliver: leads queue → Onpipeline Leadsin, from the NAT egress IP',
      timeout: Duration.seconds(DELIVER_TIMEOUT_SECONDS),
      memorySize: DELIVER_MEMORY_MB,
      tracing: traced.deliver ? 'active' : 'disabled',
      environment: {
        ...environment,
        [env.secretsArn]: this.apiTokens.secretArn,
        [env.idempotencyTable]: this.idempotencyTable.tableName,
      },
      logRetention: settings.logRetentionDays,
      sourcesBundle,
      vpc: this.network.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.network.securityGroup],
    });

    // ── Permissions: every data-plane statement names its resource ──
    const allow = (fn: LeadgateFunction, actions: string[], resource: string) =>
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [resource] }));
    allow(this.capture, ['sqs:SendMessage'], this.leads.queueArn);
    allow(this.capture, ['secretsmanager:GetSecretValue'], this.gatewaySecrets.secretArn);
    allow(this.deliver, ['secretsmanager:GetSecretValue'], this.apiTokens.secretArn);
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
        // Polled, in flight, failed, dropped, filtered: how the trigger itself is doing (CloudWatch, free).
        metricsConfig: { metrics: [MetricType.EVENT_COUNT] },
      }),
    );

    // ── HTTP API: every route of the contract → capture ──
    // Access log lines hold the client IP and User-Agent: personal data under the GDPR, kept for
    // accessLogRetentionDays (docs/operations.md, "Logs").
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: settings.accessLogRetentionDays,
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
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [route.method as HttpMethod],
        integration,
      });
      // The stage's route settings name the route: it must exist first.
      if (created !== undefined) stage.node.addDependency(created);
    }
    // A throttle per route: forms, partners and each webhook route have a bucket of their own, so a
    // burst of form posts or an ad network replaying a backlog cannot starve the others.
    // RouteSettings is a map in CloudFormation (route key → settings), typed as plain JSON in CDK:
    // the keys are written here exactly as CloudFormation spells them.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const [routeKey, prefix] of Object.entries(routeThrottles)) {
      routeSettings[routeKey] = {
        ThrottlingRateLimit: settings[`${prefix}RateLimit`],
        ThrottlingBurstLimit: settings[`${prefix}BurstLimit`],
      };
    }
    (stage.node.defaultChild as CfnStage).routeSettings = routeSettings;

    // ── Custom domain: webhook URLs registered at the ad networks and partners survive a rebuild ──
    let customDomain: DomainName | undefined;
    if (settings.domainName !== undefined && settings.certificateArn !== undefined) {
      customDomain = new DomainName(this, 'ApiDomain', {
        domainName: settings.domainName,
        certificate: Certificate.fromCertificateArn(this, 'ApiCertificate', settings.certificateArn),
      });
      new ApiMapping(this, 'ApiDomainMapping', { api: this.api, domainName: customDomain, stage });
    }

    // ── Abuse per client: CloudFront + WAF rate-based rule in front of the API (optional) ──
    if (settings.wafRateLimit !== undefined || settings.wafWebAclArn !== undefined) {
      this.edge = new EdgeProtection(this, 'Edge', {
        originDomain: `${this.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`,
        name: settings.stackName,
        rateLimit: settings.wafRateLimit,
        webAclArn: settings.wafWebAclArn,
      });
    } else {
      this.edge = undefined;
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

    // ── Published sources: AWS AppConfig, read at run time; the bundled files are the fallback ──
    // A deployment of a published version rolls back by itself when one of these fires during it
    // or its bake (docs/operations.md, "Publishing sources"). Not dlq-not-empty: it stays in alarm
    // while parked leads wait, and would refuse the very mapping fix they wait for.
    const rollbackAlarms = ['deliver-errors', 'capture-errors', 'capture-5xx'];
    if (!rollbackAlarms.every((id) => this.monitoring.node.tryFindChild(id))) {
      throw new Error('infra/stack.ts: a rollback alarm of the published sources no longer exists');
    }
    const parkedLeads = new Alarm(this, 'SourcesParkedLeads', {
      alarmName: `${settings.stackName}-sources-parked-leads`,
      alarmDescription:
        'A lead was parked in the last minute (mapping failed, Onpipeline refused it). During the bake of ' +
        'a published sources version, AppConfig rolls that version back. Runbook: docs/operations.md#alarms',
      metric: new Metric({
        ...CUSTOM_METRICS,
        metricName: 'delivery_permanent',
        statistic: 'Sum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    parkedLeads.addAlarmAction(new SnsAction(this.monitoring.topic));
    parkedLeads.addOkAction(new SnsAction(this.monitoring.topic));
    this.liveConfig = new LiveConfig(this, 'LiveConfig', {
      name: settings.stackName,
      rollbackAlarmNames: [...rollbackAlarms, 'sources-parked-leads'].map(
        (id) => `${settings.stackName}-${id}`,
      ),
    });
    for (const fn of [this.capture, this.deliver]) {
      this.liveConfig.grantRead(fn.role);
      fn.fn.addEnvironment(env.appConfigApplication, this.liveConfig.application.ref);
      fn.fn.addEnvironment(env.appConfigEnvironment, this.liveConfig.environment.ref);
      fn.fn.addEnvironment(env.appConfigProfile, this.liveConfig.profile.ref);
    }

    // ── Outputs ──
    new CfnOutput(this, 'AppConfigApplicationId', { value: this.liveConfig.application.ref });
    new CfnOutput(this, 'AppConfigEnvironmentId', { value: this.liveConfig.environment.ref });
    new CfnOutput(this, 'AppConfigProfileId', { value: this.liveConfig.profile.ref });
    new CfnOutput(this, 'AppConfigDeploymentStrategyId', { value: this.liveConfig.strategy.ref });
    new CfnOutput(this, 'PublishPolicyArn', {
      description: 'Attach to who may run leadgate sources publish|history|rollback (and nothing else)',
      value: this.liveConfig.publishPolicy.managedPolicyArn,
    });
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
    if (this.network.eip2 !== undefined) {
      new CfnOutput(this, 'EgressIp2', {
        description: 'The second NAT gateway address: Onpipeline must whitelist it too; retained',
        value: this.network.eip2.attrPublicIp,
      });
    }
    if (this.network.eipAllocationId2 !== undefined) {
      new CfnOutput(this, 'EgressIpAllocationId2', {
        description:
          'Elastic IP allocation of the second NAT gateway; pin it with -c natEipAllocationId2=<this>',
        value: this.network.eipAllocationId2,
      });
    }
    new CfnOutput(this, 'GatewaySecretsArn', {
      description: 'Verification secrets read by capture (put-secret-value; docs/operations.md)',
      value: this.gatewaySecrets.secretArn,
    });
    new CfnOutput(this, 'ApiTokensArn', {
      description: 'API tokens read by deliver: ONPIPELINE_TOKEN, Meta page tokens, LINKEDIN_ACCESS_TOKEN',
      value: this.apiTokens.secretArn,
    });
    if (customDomain !== undefined) {
      new CfnOutput(this, 'CustomDomainUrl', {
        description: 'The stable base URL to register at the ad networks and partners',
        value: `https://${customDomain.name}/`,
      });
      new CfnOutput(this, 'CustomDomainTarget', {
        description: 'DNS: a CNAME (or Route 53 alias) of the custom domain to this name',
        value: customDomain.regionalDomainName,
      });
      new CfnOutput(this, 'CustomDomainHostedZoneId', {
        description: 'Hosted zone of CustomDomainTarget, for a Route 53 alias record',
        value: customDomain.regionalHostedZoneId,
      });
    }
    if (this.edge !== undefined) {
      new CfnOutput(this, 'EdgeUrl', {
        description: 'The base URL behind the WAF (CloudFront): give senders this one, not ApiUrl',
        value: `https://${this.edge.distribution.distributionDomainName}/`,
      });
    }
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

  /**
   * A secret of names → values, created with the empty placeholder and retained: deleting or
   * replacing the stack must not delete tokens that took a vendor's support ticket to get
   * (docs/operations.md, "Secrets": re-import after a rebuild).
   */
  private secret(id: string, secretName: string, description: string): Secret {
    const secret = new Secret(this, id, {
      secretName,
      description,
      // A placeholder, not a secret. This property never changes, so CloudFormation never
      // overwrites the value operators put.
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify(SECRET_PLACEHOLDER)),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds third-party credentials (Onpipeline API token, ad-network and partner keys) ' +
        'issued by those services; Secrets Manager has no rotation function for them. Operators rotate ' +
        'them at the issuer and put the new value (docs/operations.md); the functions re-read the secret ' +
        'within five minutes.',
    });
    return secret;
  }
}
