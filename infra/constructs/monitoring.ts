import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  type AlarmProps,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  type MetricOptions,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The namespace and dimension of the metrics the functions count (#shared/telemetry.ts). */
export const CUSTOM_METRICS = { namespace: 'leadgate', dimensionsMap: { service: 'leadgate' } } as const;

/**
 * One `delivery_<outcome kind>` per lead the deliver function handles (shared/delivery/deliver.ts), and
 * `delivery_deduplicated` when the idempotency table says a lead was already delivered.
 */
export const deliveryOutcomeMetrics = [
  'delivery_delivered',
  'delivery_deduplicated',
  'delivery_duplicate',
  'delivery_transient',
  'delivery_configuration',
  'delivery_permanent',
] as const;
/** Counted by deliver when Onpipeline answers 401/403/404 (the token, IP whitelist or URL is wrong). */
export const CONFIGURATION_ERROR_METRIC = 'onpipeline_configuration';
/** Counted by capture for every lead it queued. */
export const LEAD_ACCEPTED_METRIC = 'lead_accepted';
/**
 * Counted by deliver when Meta's Graph API or LinkedIn answers a lead fetch with 401/403/404
 * (`${provider}_fetch_configuration`, shared/delivery/deliver.ts): the page token or access token is wrong.
 */
export const FETCH_CONFIGURATION_METRICS = {
  meta: 'meta_fetch_configuration',
  linkedin: 'linkedin_fetch_configuration',
} as const;
/** A channel answered 503: the verification secret is missing or malformed (`rejected_<code>`). */
export const AUTH_UNAVAILABLE_METRIC = 'rejected_auth_unavailable';
/** The channels whose refusals are counted as `<channel>_signature_refused` and `<channel>_rejected`. */
export const channels = ['form', 'partner', 'google_ads', 'meta', 'linkedin', 'tiktok'] as const;

/** How many refused signatures of one channel in 5 minutes fire its alarm. */
export const SIGNATURE_REFUSED_THRESHOLD = 5;
/** How many rejected requests (4xx) of one channel in 5 minutes fire its alarm. */
export const REJECTED_THRESHOLD = 25;
/** Transient delivery failures in 5 minutes, in 2 of 3 periods, that fire `delivery-transient`. */
export const TRANSIENT_THRESHOLD = 10;

export interface MonitoringProps {
  /** Prefix of the alarm names (the stack name). */
  name: string;
  api: HttpApi;
  capture: IFunction;
  deliver: IFunction;
  leads: Queue;
  deadLetters: Queue;
  /** Alarm when the oldest lead in `leads` is older than this many seconds. */
  oldestMessageAgeSeconds: number;
  /** Subscribed to the alarm topic when given. */
  alarmEmail?: string | undefined;
}

/**
 * leadgate's alarms and dashboard. Every alarm notifies an SNS topic encrypted with a customer
 * managed key (CloudWatch may use it; nobody else is granted anything), both when it fires and when
 * it recovers; docs/operations.md#alarms says what each one means and what to do.
 *
 * @example
 * const monitoring = new Monitoring(this, 'Monitoring', {
 *   name: 'Leadgate', api, capture: capture.fn, deliver: deliver.fn, leads, deadLetters,
 *   oldestMessageAgeSeconds: 900, alarmEmail: 'ops@example.com',
 * });
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  readonly #name: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.#name = props.name;
    const { api, capture, deliver, leads, deadLetters } = props;

    const key = new Key(this, 'AlarmTopicKey', {
      description: 'leadgate: encrypts the alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch can publish to an encrypted topic only if the key lets it (the AWS managed
    // aws/sns key does not), so the topic gets a key of its own.
    const fromCloudWatch = {
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    };
    key.addToResourcePolicy(
      new PolicyStatement({
        ...fromCloudWatch,
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `${props.name} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({ ...fromCloudWatch, actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
    if (props.alarmEmail !== undefined) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const oneMinute: MetricOptions = { period: Duration.minutes(1) };
    const fiveMinutes: MetricOptions = { period: Duration.minutes(5), statistic: 'Sum' };
    this.alarm(
      'dlq-not-empty',
      deadLetters.metricApproximateNumberOfMessagesVisible({ ...oneMinute, statistic: 'Maximum' }),
      1,
      'Leads are parked in the dead-letter queue: they will not reach Onpipeline until fixed and redriven. ' +
        'Read their reason attribute (leadgate dlq list), fix the cause, then redrive.',
    );
    this.alarm(
      'leads-oldest-message-age',
      leads.metricApproximateAgeOfOldestMessage({ ...oneMinute, statistic: 'Maximum' }),
      props.oldestMessageAgeSeconds,
      `A lead has waited more than ${props.oldestMessageAgeSeconds} s in the leads queue: ` +
        'delivery is stuck or failing. Check the other alarms and the delivery outcomes on the dashboard.',
    );
    this.alarm(
      'deliver-errors',
      deliver.metricErrors(fiveMinutes),
      1,
      'The deliver function failed as a whole (crash or timeout), not one lead: the batch is retried. ' +
        'Look for Task timed out or a start-up exception in the deliver log group.',
    );
    this.alarm(
      'deliver-throttles',
      deliver.metricThrottles(fiveMinutes),
      1,
      'The deliver function was throttled: the account concurrency limit is reached. Raise the Lambda ' +
        'concurrency quota or limit other functions; leads wait meanwhile.',
    );
    this.alarm(
      'onpipeline-configuration',
      customMetric(CONFIGURATION_ERROR_METRIC, fiveMinutes),
      1,
      'Onpipeline answered 401/403/404: the token, the IP whitelist or the URL is wrong. ' +
        'Leads wait in the queue and are retried. Check ONPIPELINE_TOKEN in api-tokens, the whitelisted ' +
        'egress IPs and onpipelineUrl.',
    );
    this.alarm(
      'capture-5xx',
      api.metricServerError(fiveMinutes),
      1,
      'The HTTP API answered 5xx: senders were told to retry (503 = the leads queue was unreachable). ' +
        'Check the capture and access logs, and the AWS Health Dashboard for SQS or Lambda.',
    );
    this.alarm(
      'capture-errors',
      capture.metricErrors(fiveMinutes),
      1,
      'The capture function failed: senders got a 5xx. Read the error in the capture log group.',
    );
    this.alarm(
      'capture-throttles',
      capture.metricThrottles(fiveMinutes),
      1,
      'The capture function was throttled: senders got a 5xx (the stage throttle answers 429, not counted). ' +
        'Raise the Lambda concurrency quota, or lower the route throttles so excess traffic gets 429.',
    );

    // ── Delivery and fetch failures: deliver retries them, someone has to fix the cause ──
    this.alarm(
      'delivery-transient',
      customMetric('delivery_transient', fiveMinutes),
      TRANSIENT_THRESHOLD,
      `${TRANSIENT_THRESHOLD}+ deliveries per 5 minutes failed transiently (Onpipeline 429/5xx, ` +
        'timeouts, connection errors), in 2 of the last 3 five-minute periods. Leads wait and are retried; check ' +
        "Onpipeline's status and the NAT gateway, and watch the leads queue age.",
      { evaluationPeriods: 3, datapointsToAlarm: 2 },
    );
    this.alarm(
      'delivery-ambiguous',
      customMetric('delivery_ambiguous', fiveMinutes),
      1,
      'A send to Onpipeline timed out or broke after the request went out: Onpipeline may have created ' +
        'the lead. It is retried; check Onpipeline for a duplicate of the lead ids in the deliver logs.',
    );
    this.alarm(
      'meta-fetch-configuration',
      customMetric(FETCH_CONFIGURATION_METRICS.meta, fiveMinutes),
      1,
      "Meta's Graph API refused a lead fetch (401/403/404): a page token in the api-tokens secret is " +
        'wrong, expired or lacks leads_retrieval. Put a new token; leads wait and are retried.',
    );
    this.alarm(
      'linkedin-fetch-configuration',
      customMetric(FETCH_CONFIGURATION_METRICS.linkedin, fiveMinutes),
      1,
      'LinkedIn refused a lead fetch (401/403/404): LINKEDIN_ACCESS_TOKEN in the api-tokens secret is ' +
        'wrong or expired (they last 60 days). Put a new token; leads wait and are retried.',
    );

    // ── Senders refused: a rotated secret on one side, or someone probing ──
    this.alarm(
      'auth-unavailable',
      customMetric(AUTH_UNAVAILABLE_METRIC, fiveMinutes),
      1,
      'A channel answered 503 auth_unavailable: a verification secret is missing or malformed in the ' +
        'gateway-secrets secret (or Secrets Manager is unreachable). Senders retry; put the missing name.',
    );
    for (const channel of channels) {
      const id = channel.replaceAll('_', '-');
      this.alarm(
        `${id}-signature-refused`,
        customMetric(`${channel}_signature_refused`, fiveMinutes),
        SIGNATURE_REFUSED_THRESHOLD,
        `The ${channel} channel refused ${SIGNATURE_REFUSED_THRESHOLD}+ signatures or keys in 5 minutes: ` +
          'a secret was rotated on one side only (compare gateway-secrets with the sender), or someone ' +
          'is probing the endpoint (check the access logs).',
      );
      this.alarm(
        `${id}-rejected`,
        customMetric(`${channel}_rejected`, fiveMinutes),
        REJECTED_THRESHOLD,
        `The ${channel} channel answered ${REJECTED_THRESHOLD}+ requests with 4xx in 5 minutes: a ` +
          'changed form or source config, a sender sending a new shape, or junk traffic. The capture ' +
          'logs name the error codes.',
      );
    }

    // ── Heartbeat: silence is an outage too (a broken form, a lapsed webhook subscription) ──
    this.alarm(
      'no-leads-24h',
      customMetric(LEAD_ACCEPTED_METRIC, { period: Duration.days(1) }),
      1,
      'No lead was accepted in 24 hours: check that the forms still post here, that the ad-network ' +
        'webhook subscriptions are active, and the capture-* alarms.',
      {
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.BREACHING,
      },
    );

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    const sum: MetricOptions = { ...oneMinute, statistic: 'Sum' };
    const max: MetricOptions = { ...oneMinute, statistic: 'Maximum' };
    const p99: MetricOptions = { ...oneMinute, statistic: 'p99' };
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          `# leadgate (${props.name})\nIngest → queue → delivery. What each alarm means and what to do: ` +
          '`docs/operations.md#alarms`. Redrive parked leads once the cause is fixed.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Ingest rate (per minute)',
        left: [
          api.metricCount({ ...sum, label: 'HTTP requests' }),
          leads.metricNumberOfMessagesSent({ ...sum, label: 'SQS messages sent' }),
          customMetric(LEAD_ACCEPTED_METRIC, sum),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'HTTP answers (per minute)',
        left: [
          api.metricClientError({ ...sum, label: '4xx' }),
          api.metricServerError({ ...sum, label: '5xx' }),
        ],
        right: [api.metricLatency({ ...p99, label: 'latency p99 (ms)' })],
        width: 8,
      }),
      new GraphWidget({
        title: 'Capture function',
        left: [capture.metricInvocations(sum), capture.metricErrors(sum), capture.metricThrottles(sum)],
        right: [capture.metricDuration({ ...p99, label: 'duration p99 (ms)' })],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Queue depth',
        left: [
          leads.metricApproximateNumberOfMessagesVisible({ ...max, label: 'leads waiting' }),
          leads.metricApproximateNumberOfMessagesNotVisible({ ...max, label: 'leads in flight' }),
          deadLetters.metricApproximateNumberOfMessagesVisible({ ...max, label: 'dead-letter queue' }),
        ],
        right: [leads.metricApproximateAgeOfOldestMessage({ ...max, label: 'oldest lead (s)' })],
        width: 12,
      }),
      new SingleValueWidget({
        title: 'Dead-letter queue',
        metrics: [deadLetters.metricApproximateNumberOfMessagesVisible({ ...max, label: 'parked leads' })],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Delivery outcomes (per minute)',
        left: deliveryOutcomeMetrics.map((name) => customMetric(name, sum)),
        width: 12,
      }),
      new GraphWidget({
        title: 'Deliver function',
        left: [
          deliver.metricInvocations(sum),
          deliver.metricErrors(sum),
          deliver.metricThrottles(sum),
          new MathExpression({
            expression: '100 * errors / MAX([errors, invocations])',
            usingMetrics: { errors: deliver.metricErrors(sum), invocations: deliver.metricInvocations(sum) },
            label: 'error rate (%)',
            period: Duration.minutes(1),
          }),
        ],
        right: [deliver.metricDuration({ ...p99, label: 'duration p99 (ms)' })],
        width: 12,
      }),
    );
  }

  private alarm(
    id: string,
    metric: IMetric,
    threshold: number,
    description: string,
    options: Partial<
      Pick<AlarmProps, 'comparisonOperator' | 'evaluationPeriods' | 'datapointsToAlarm' | 'treatMissingData'>
    > = {},
  ): void {
    const alarm = new Alarm(this, id, {
      alarmName: `${this.#name}-${id}`,
      alarmDescription: `${description} Runbook: docs/operations.md#alarms`,
      metric,
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      ...options,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }
}

/** A metric the functions count with Powertools Metrics, summed. */
function customMetric(metricName: string, options: MetricOptions): Metric {
  return new Metric({ ...CUSTOM_METRICS, metricName, ...options, statistic: 'Sum' });
}
