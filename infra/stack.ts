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
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import {
  CfnEIP,
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  NatProvider,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { LeadgateFunction, SOURCES_DIR_IN_BUNDLE } from '#infra/constructs/LeadgateFunction.ts';
import { readSettings, type Settings } from '#infra/settings.ts';
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

/** Memory of the functions; the cost estimate in docs/operations.md assumes these. */
export const CAPTURE_MEMORY_MB = 512;
export const DELIVER_MEMORY_MB = 512;
/** The capture function answers an HTTP request; API Gateway gives up after 30 s anyway. */
export const CAPTURE_TIMEOUT_SECONDS = 10;

/** The placeholder the secret is created with; operators overwrite the whole JSON (docs/operations.md). */
export const SECRET_PLACEHOLDER = { ONPIPELINE_TOKEN: 'REPLACE_ME' } as const;

/**
 * Custom metrics the functions emit with `count()` (#shared/telemetry.ts: Powertools Metrics, namespace
 * `leadgate`, dimension `service=leadgate`): one `delivery_<outcome kind>` per lead delivered.
 */
export const deliveryOutcomeMetrics = [
  'delivery_delivered',
  'delivery_duplicate',
  'delivery_transient',
  'delivery_configuration',
  'delivery_permanent',
] as const;
/** Counted by deliver when Onpipeline answers 401/403/404 (token, IP whitelist or URL is wrong). */
export const CONFIGURATION_ERROR_METRIC = 'onpipeline_configuration';
/** Counted by capture for every lead it queued. */
export const LEAD_ACCEPTED_METRIC = 'lead_accepted';

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
  readonly alarmTopic: Topic;
  readonly vpc: Vpc;

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

    if (leadsQueue.visibilityTimeoutSeconds < 6 * DELIVER_TIMEOUT_SECONDS) {
      throw new Error(
        'shared/queue/definition.ts: the leads visibility timeout must be ≥ 6 × the deliver timeout',
      );
    }

    // ── Queues, from the one definition the local runtime uses too ──
    this.deadLetters = new Queue(this, 'LeadsDeadLetterQueue', {
      retentionPeriod: Duration.seconds(deadLetterQueue.retentionSeconds),
      visibilityTimeout: Duration.seconds(deadLetterQueue.visibilityTimeoutSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Parked leads are business data: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.leads = new Queue(this, 'LeadsQueue', {
      retentionPeriod: Duration.seconds(leadsQueue.retentionSeconds),
      visibilityTimeout: Duration.seconds(leadsQueue.visibilityTimeoutSeconds),
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
      // A placeholder, not a secret. The property never changes, so CloudFormation never overwrites
      // the value operators put.
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify(SECRET_PLACEHOLDER)),
    });
    Validations.of(this.secrets).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds third-party credentials (Onpipeline API token, ad-network and partner keys) ' +
        'issued by those services; Secrets Manager cannot rotate them. Operators rotate them with the ' +
        'issuer and put-secret-value (docs/operations.md); the functions re-read the secret on cache expiry.',
    });

    // ── Idempotency: Powertools layout (partition key id, TTL expiration) ──
    this.idempotencyTable = new Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ── Network: private subnets, exactly one NAT gateway with the whitelisted Elastic IP ──
    let eip: CfnEIP | undefined;
    let allocationId = settings.natEipAllocationId;
    if (allocationId === undefined) {
      eip = new CfnEIP(this, 'NatEgressIp', {
        domain: 'vpc',
        tags: [{ key: 'Name', value: `${settings.stackName}-egress` }],
      });
      // Onpipeline whitelists this address: it must survive stack updates and deletion.
      eip.applyRemovalPolicy(RemovalPolicy.RETAIN);
      allocationId = eip.attrAllocationId;
    }
    const flowLogs = new LogGroup(this, 'VpcFlowLogs', {
      retention: settings.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      natGatewayProvider: NatProvider.gateway({ eipAllocationIds: [allocationId] }),
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      // Nothing uses the default security group; restricting it would add a custom-resource Lambda.
      restrictDefaultSecurityGroup: false,
      flowLogs: {
        all: {
          destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: FlowLogTrafficType.ALL,
        },
      },
      // Free gateway endpoint: idempotency reads and writes skip the NAT gateway (and its per-GB fee).
      gatewayEndpoints: {
        DynamoDb: {
          service: GatewayVpcEndpointAwsService.DYNAMODB,
          subnets: [{ subnetType: SubnetType.PRIVATE_WITH_EGRESS }],
        },
      },
    });
    const deliverSecurityGroup = new SecurityGroup(this, 'DeliverSecurityGroup', {
      vpc: this.vpc,
      description: 'deliver: outbound HTTPS only (Onpipeline, SQS, Secrets Manager, DynamoDB)',
      allowAllOutbound: false,
    });
    deliverSecurityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'HTTPS to Onpipeline and AWS APIs');
    const onpipelinePort = Number(new URL(settings.onpipelineUrl).port || 443);
    if (onpipelinePort !== 443) {
      deliverSecurityGroup.addEgressRule(
        Peer.anyIpv4(),
        Port.tcp(onpipelinePort),
        'Onpipeline (custom port)',
      );
    }

    // ── Functions ──
    const common = {
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
      environment: common,
      logRetention: settings.logRetentionDays,
      sourceFiles,
    });
    this.deliver = new LeadgateFunction(this, 'Deliver', {
      entry: join(projectRoot, 'functions/deliver/handler.ts'),
      projectRoot,
      description: 'leadgate deliver: leads queue → Onpipeline Leadsin, from the NAT egress IP',
      timeout: Duration.seconds(DELIVER_TIMEOUT_SECONDS),
      memorySize: DELIVER_MEMORY_MB,
      environment: { ...common, [env.idempotencyTable]: this.idempotencyTable.tableName },
      logRetention: settings.logRetentionDays,
      sourceFiles,
      vpc: this.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [deliverSecurityGroup],
    });

    // ── Permissions: every data-plane statement names its resource ──
    this.capture.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.leads.queueArn] }),
    );
    for (const fn of [this.capture, this.deliver]) {
      fn.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [this.secrets.secretArn],
        }),
      );
    }
    this.deliver.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetters.queueArn] }),
    );
    this.deliver.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [this.idempotencyTable.tableArn],
      }),
    );
    // SqsEventSource grants the consume actions (ReceiveMessage, ChangeMessageVisibility,
    // DeleteMessage, GetQueueAttributes, GetQueueUrl) on the leads queue only.
    this.deliver.fn.addEventSource(
      new SqsEventSource(this.leads, {
        batchSize: DELIVER_BATCH_SIZE,
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
        // No query string, headers or body: Meta's verify token travels in the query string.
        format: AccessLogFormat.custom(
          JSON.stringify({
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
          }),
        ),
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

    // ── Alarms → encrypted SNS topic ──
    const alarmKey = new Key(this, 'AlarmTopicKey', {
      description: 'leadgate: encrypts the alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch publishes alarm notifications to an encrypted topic only if the key lets it.
    alarmKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `${settings.stackName} alarms`,
      masterKey: alarmKey,
      enforceSSL: true,
    });
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    if (settings.alarmEmail !== undefined) {
      this.alarmTopic.addSubscription(new EmailSubscription(settings.alarmEmail));
    }
    const alarmAction = new SnsAction(this.alarmTopic);
    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);
    const custom = (name: string, period = minute): Metric =>
      new Metric({
        namespace: 'leadgate',
        metricName: name,
        dimensionsMap: { service: 'leadgate' },
        statistic: 'Sum',
        period,
      });
    const alarm = (id: string, metric: IMetric, threshold: number, description: string): Alarm => {
      const created = new Alarm(this, id, {
        alarmName: `${settings.stackName}-${id}`,
        alarmDescription: `${description} Runbook: docs/operations.md#alarms`,
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(alarmAction);
      created.addOkAction(alarmAction);
      return created;
    };
    alarm(
      'dlq-not-empty',
      this.deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      1,
      'Leads are parked in the dead-letter queue: they will not reach Onpipeline until fixed and redriven.',
    );
    alarm(
      'leads-oldest-message-age',
      this.leads.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
      settings.oldestMessageAgeSeconds,
      `A lead has waited more than ${settings.oldestMessageAgeSeconds} s in the leads queue: ` +
        'delivery is stuck or failing.',
    );
    alarm(
      'deliver-errors',
      this.deliver.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      1,
      'The deliver function failed (crash or timeout), not just a lead: the whole batch is retried.',
    );
    alarm(
      'deliver-throttles',
      this.deliver.fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
      1,
      'The deliver function was throttled: the account concurrency limit is reached.',
    );
    alarm(
      'capture-5xx',
      this.api.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
      1,
      'The HTTP API answered 5xx: senders were told to retry (503 = the leads queue was unreachable).',
    );
    alarm(
      'capture-errors',
      this.capture.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      1,
      'The capture function failed: senders got a 5xx.',
    );
    alarm(
      'capture-throttles',
      this.capture.fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
      1,
      'The capture function was throttled: senders got a 5xx (429 from the stage throttle is not counted).',
    );
    alarm(
      'onpipeline-configuration',
      custom(CONFIGURATION_ERROR_METRIC, fiveMinutes),
      1,
      'Onpipeline answered 401/403/404: the token, the IP whitelist or the URL is wrong. ' +
        'Leads wait in the queue and are retried.',
    );

    // ── Dashboard ──
    const dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    dashboard.addWidgets(
      new TextWidget({
        markdown:
          `# leadgate (${settings.stackName})\nIngest → queue → delivery. Alarms and what to do: ` +
          '`docs/operations.md#alarms`. Redrive parked leads after fixing the cause.',
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Ingest rate (per minute)',
        left: [
          this.api.metricCount({ period: minute, statistic: 'Sum', label: 'HTTP requests' }),
          this.leads.metricNumberOfMessagesSent({
            period: minute,
            statistic: 'Sum',
            label: 'SQS messages sent',
          }),
          custom(LEAD_ACCEPTED_METRIC),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'HTTP answers (per minute)',
        left: [
          this.api.metricClientError({ period: minute, statistic: 'Sum', label: '4xx' }),
          this.api.metricServerError({ period: minute, statistic: 'Sum', label: '5xx' }),
        ],
        right: [this.api.metricLatency({ period: minute, statistic: 'p99', label: 'latency p99 (ms)' })],
        width: 8,
      }),
      new GraphWidget({
        title: 'Capture function',
        left: [
          this.capture.fn.metricInvocations({ period: minute, statistic: 'Sum' }),
          this.capture.fn.metricErrors({ period: minute, statistic: 'Sum' }),
          this.capture.fn.metricThrottles({ period: minute, statistic: 'Sum' }),
        ],
        right: [
          this.capture.fn.metricDuration({ period: minute, statistic: 'p99', label: 'duration p99 (ms)' }),
        ],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Queue depth',
        left: [
          this.leads.metricApproximateNumberOfMessagesVisible({
            period: minute,
            statistic: 'Maximum',
            label: 'leads waiting',
          }),
          this.leads.metricApproximateNumberOfMessagesNotVisible({
            period: minute,
            statistic: 'Maximum',
            label: 'leads in flight',
          }),
          this.deadLetters.metricApproximateNumberOfMessagesVisible({
            period: minute,
            statistic: 'Maximum',
            label: 'DLQ',
          }),
        ],
        right: [
          this.leads.metricApproximateAgeOfOldestMessage({
            period: minute,
            statistic: 'Maximum',
            label: 'oldest lead (s)',
          }),
        ],
        width: 12,
      }),
      new SingleValueWidget({
        title: 'Dead-letter queue',
        metrics: [
          this.deadLetters.metricApproximateNumberOfMessagesVisible({
            period: minute,
            statistic: 'Maximum',
            label: 'parked leads',
          }),
        ],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Delivery outcomes (per minute)',
        left: deliveryOutcomeMetrics.map((name) => custom(name)),
        width: 12,
      }),
      new GraphWidget({
        title: 'Deliver function',
        left: [
          this.deliver.fn.metricInvocations({ period: minute, statistic: 'Sum' }),
          this.deliver.fn.metricErrors({ period: minute, statistic: 'Sum' }),
          this.deliver.fn.metricThrottles({ period: minute, statistic: 'Sum' }),
          new MathExpression({
            expression: 'errors / MAX([errors, invocations]) * 100',
            usingMetrics: {
              errors: this.deliver.fn.metricErrors({ period: minute, statistic: 'Sum' }),
              invocations: this.deliver.fn.metricInvocations({ period: minute, statistic: 'Sum' }),
            },
            label: 'error rate (%)',
            period: minute,
          }),
        ],
        right: [
          this.deliver.fn.metricDuration({ period: minute, statistic: 'p99', label: 'duration p99 (ms)' }),
        ],
        width: 12,
      }),
    );

    // ── Outputs ──
    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the HTTP API', value: stage.url });
    if (eip !== undefined) {
      new CfnOutput(this, 'EgressIp', {
        description:
          'The IP address Onpipeline must whitelist (retained across redeploys and stack deletion)',
        value: eip.attrPublicIp,
      });
    }
    new CfnOutput(this, 'EgressIpAllocationId', {
      description:
        'Elastic IP allocation of the NAT gateway; pass it as -c natEipAllocationId=... to keep the IP',
      value: allocationId,
    });
    new CfnOutput(this, 'SecretsArn', {
      description: 'Secret holding every secret by name',
      value: this.secrets.secretArn,
    });
    new CfnOutput(this, 'LeadsQueueUrl', { value: this.leads.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetters.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'CloudWatch dashboard: ingest, queue depth, delivery outcomes',
      value:
        `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}` +
        `#dashboards:name=${dashboard.dashboardName}`,
    });
  }
}
