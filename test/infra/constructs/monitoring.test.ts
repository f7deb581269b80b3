import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Request } from '@middy/core';
import { App } from 'aws-cdk-lib';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { channels, deliveryOutcomeMetrics } from '#infra/constructs/monitoring.ts';
import { LeadgateStack, projectRoot } from '#infra/stack.ts';
import { count, flushMetrics } from '#shared/telemetry.ts';
import { interceptLines, parseJsonObject } from '#test/support/fuzz/logs.ts';
import { cdkContext, type Json, type Resource, templateQueries } from '#test/support/template.ts';

/**
 * What makes the alarms fire: every metric name the code counts (read from the source, template
 * literals expanded from the code's own types), published through `flushMetrics` as CloudWatch EMF,
 * against the alarms of the synthesised stack. An alarm on a metric nobody emits never fires; a
 * failure metric nobody alarms on is silent.
 */

// Metrics on, as deployed (Powertools reads the setting when the metrics object is built).
const previous = vi.hoisted(() => {
  const saved = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  return saved;
});

// ── The metric names in the source ─────────────────────────────────────────────────────────────────

const sourceDirs = ['shared', 'functions'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(projectRoot, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

const parsed = sourceDirs
  .flatMap(sourceFiles)
  .map((file) => ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true));

function walk(visit: (node: ts.Node, file: ts.SourceFile) => void): void {
  for (const file of parsed) {
    const go = (node: ts.Node): void => {
      visit(node, file);
      ts.forEachChild(node, go);
    };
    go(file);
  }
}

/** The string literal members of a union type (or of one property of its object members). */
function literalsOf(typeName: string, property?: string): string[] {
  const found: string[] = [];
  walk((node) => {
    if (!ts.isTypeAliasDeclaration(node) || node.name.text !== typeName) return;
    const collect = (type: ts.Node): void => {
      if (ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal)) found.push(type.literal.text);
      else ts.forEachChild(type, collect);
    };
    if (property === undefined) collect(node.type);
    else {
      const members = (type: ts.Node): void => {
        if (ts.isPropertySignature(type) && type.name.getText() === property && type.type) collect(type.type);
        else ts.forEachChild(type, members);
      };
      members(node.type);
    }
  });
  expect(found, `string literals of ${typeName}${property ? `.${property}` : ''}`).not.toHaveLength(0);
  return [...new Set(found)];
}

/** Error codes written as literals: `new HttpError(status, 'code', …)` and `badRequest('code', …)`. */
function httpErrorCodes(): string[] {
  const codes = new Set<string>();
  walk((node) => {
    if (ts.isNewExpression(node) && node.expression.getText() === 'HttpError') {
      const code = node.arguments?.[1];
      if (code && ts.isStringLiteral(code)) codes.add(code.text);
    }
    if (ts.isCallExpression(node) && node.expression.getText() === 'badRequest') {
      const code = node.arguments[0];
      if (code && ts.isStringLiteral(code)) codes.add(code.text);
    }
  });
  return [...codes];
}

/** The literal third argument of every `gatewaySecret(secrets, name, channel)` call. */
function gatewaySecretChannels(): string[] {
  const found = new Set<string>();
  walk((node) => {
    if (ts.isCallExpression(node) && node.expression.getText() === 'gatewaySecret') {
      const channel = node.arguments[2];
      if (channel && ts.isStringLiteral(channel)) found.add(channel.text);
    }
  });
  return [...found];
}

/** A `count(…)` call of the source: the literal name, or the template with its variants. */
type Counted = { where: string; text: string };

function countCalls(): Counted[] {
  const calls: Counted[] = [];
  walk((node, file) => {
    if (!ts.isCallExpression(node) || node.expression.getText() !== 'count') return;
    const name = node.arguments[0];
    const where = `${relative(projectRoot, file.fileName)}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    expect(name, `count() without a name at ${where}`).toBeDefined();
    if (name === undefined) return;
    if (ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name))
      calls.push({ where, text: name.text });
    else calls.push({ where, text: name.getText() });
  });
  return calls;
}

/**
 * Each template the code counts, with the values its placeholder takes, read from the code's own
 * types. A new template must be added here (the test below fails until it is): that is the moment
 * to decide whether it needs an alarm.
 */
function templateVariants(): Record<string, string[]> {
  const channels = literalsOf('ChannelMetric');
  const codes = httpErrorCodes();
  return {
    // shared/delivery/deliver.ts: one per outcome kind of a delivery attempt
    'delivery_${outcome.kind}': literalsOf('DeliveryOutcome', 'kind').map((kind) => `delivery_${kind}`),
    // `where` is `${fetchedFrom}_fetch` for a lead fetched from Meta or LinkedIn, else `onpipeline`
    '${where}_configuration': [
      ...literalsOf('Attempted', 'fetchedFrom').map((provider) => `${provider}_fetch_configuration`),
      'onpipeline_configuration',
    ],
    // shared/channels/common/rejections.ts
    '`${channel}_signature_refused`': channels.map((channel) => `${channel}_signature_refused`),
    '`${channel}_rejected`': channels.map((channel) => `${channel}_rejected`),
    '`rejected_${error.code}`': codes.map((code) => `rejected_${code}`),
    // the partner channel's per-lead refusals in a batch
    '`partner_item_rejected_${error.code}`': codes.map((code) => `partner_item_rejected_${code}`),
    // a webhook secret that is not set
    '`${channel}_not_configured`': gatewaySecretChannels().map((channel) => `${channel}_not_configured`),
  };
}

function emittedNames(): string[] {
  const variants = templateVariants();
  const names = new Set<string>();
  for (const call of countCalls()) {
    if (/^[a-z0-9_]+$/.test(call.text)) {
      names.add(call.text);
      continue;
    }
    // the key is the template as written, with or without its backticks
    const key = variants[call.text] ? call.text : call.text.replace(/^`|`$/g, '');
    const expanded = variants[key];
    expect(expanded, `the metric ${call.text} (${call.where}): say which names it takes`).toBeDefined();
    for (const name of expanded ?? []) names.add(name);
  }
  return [...names].sort();
}

// ── What flushMetrics publishes ────────────────────────────────────────────────────────────────────

type EmfDocument = {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
};

/** Counts every name once and publishes them as the functions do after an invocation. */
async function publish(names: string[]): Promise<EmfDocument[]> {
  const written: EmfDocument[] = [];
  const { restore } = interceptLines(parseJsonObject, (line) => written.push(line as EmfDocument));
  try {
    for (const name of names) count(name);
    await flushMetrics().after?.({} as Request);
  } finally {
    restore();
  }
  return written;
}

// ── The synthesised stack ──────────────────────────────────────────────────────────────────────────

let resources: Record<string, Resource>;
let assemblyDir: string;
let emitted: string[];
let documents: EmfDocument[];

const { ofType, logicalIdOf, alarms } = templateQueries(() => resources);
const alarmNamed = (suffix: string) => {
  const found = alarms().filter((alarm) => String(alarm.AlarmName).endsWith(`-${suffix}`));
  expect(found, `alarm *-${suffix}`).toHaveLength(1);
  return found[0];
};
const alarmsOn = (metricName: string) => alarms().filter((alarm) => alarm.MetricName === metricName);

beforeAll(async () => {
  // Prepare
  assemblyDir = mkdtempSync(join(tmpdir(), 'leadgate-cdk-'));
  const app = new App({
    outdir: assemblyDir,
    context: { ...cdkContext, oldestMessageAgeSeconds: 600 },
  });
  const stack = new LeadgateStack(app, 'LeadgateMonitoringTest');
  emitted = emittedNames();

  // Act
  resources = app.synth().getStackByName(stack.stackName).template.Resources;
  documents = await publish(emitted);
});

afterAll(() => {
  rmSync(assemblyDir, { recursive: true, force: true });
  if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = previous;
});

describe('the metrics the code emits', () => {
  it('are found in the source, templates expanded from the code’s types', () => {
    // Assess
    expect(emitted).toEqual(
      expect.arrayContaining([
        'lead_accepted',
        'delivery_transient',
        'delivery_ambiguous',
        'meta_fetch_configuration',
        'linkedin_fetch_configuration',
        'onpipeline_configuration',
        'rejected_auth_unavailable',
        'tiktok_signature_refused',
        'google_ads_rejected',
      ]),
    );
    for (const name of emitted) expect(name).toMatch(/^[a-z0-9_]+$/);
  });

  it('are published by flushMetrics as EMF counts in namespace leadgate with the dimension service=leadgate', () => {
    // Assess
    expect(documents.length).toBe(Math.ceil(emitted.length / 100));
    const published: string[] = [];
    for (const document of documents) {
      expect(document._aws.CloudWatchMetrics).toHaveLength(1);
      const [directive] = document._aws.CloudWatchMetrics;
      expect(directive?.Namespace).toBe('leadgate');
      expect(directive?.Dimensions).toEqual([['service']]);
      expect(document.service).toBe('leadgate');
      expect(typeof document._aws.Timestamp).toBe('number');
      for (const metric of directive?.Metrics ?? []) {
        expect(metric.Unit).toBe('Count');
        expect(document[metric.Name]).toBe(1);
        published.push(metric.Name);
      }
    }
    expect(published.sort()).toEqual(emitted);
  });
});

describe('the monitoring construct’s own lists', () => {
  it('name exactly the channels the code counts refusals for', () => {
    // Assess
    expect([...channels].sort()).toEqual(literalsOf('ChannelMetric').sort());
  });

  it('chart exactly the delivery outcomes the code counts (dashboard)', () => {
    // Prepare
    // delivery_ambiguous is a subset of delivery_transient (alarmed on its own, not charted)
    const counted = emitted.filter((name) => name.startsWith('delivery_') && name !== 'delivery_ambiguous');

    // Assess
    expect([...deliveryOutcomeMetrics].sort()).toEqual(counted);
  });
});

describe('the alarms on custom metrics', () => {
  it('each watch a metric the code emits, with the namespace and dimension flushMetrics writes', () => {
    // Prepare
    const published = new Map<
      string,
      { namespace: string; dimensions: { Name: string; Value: unknown }[] }
    >();
    for (const document of documents) {
      const [directive] = document._aws.CloudWatchMetrics;
      const dimensions = (directive?.Dimensions[0] ?? []).map((name) => ({
        Name: name,
        Value: document[name],
      }));
      for (const metric of directive?.Metrics ?? [])
        published.set(metric.Name, { namespace: directive?.Namespace ?? '', dimensions });
    }
    const custom = alarms().filter((alarm) => !String(alarm.Namespace).startsWith('AWS/'));

    // Assess
    expect(custom.length).toBeGreaterThan(0);
    for (const alarm of custom) {
      const metric = published.get(alarm.MetricName);
      expect(metric, `${alarm.AlarmName} watches ${alarm.MetricName}, which nothing emits`).toBeDefined();
      expect(alarm.Namespace, alarm.AlarmName).toBe(metric?.namespace);
      expect(alarm.Dimensions, alarm.AlarmName).toEqual(metric?.dimensions);
    }
  });

  /**
   * Delivery metrics that have no alarm of their own, and why: successes, or the same event alarmed
   * under another name (the alarm named here must exist).
   */
  const coveredElsewhere: Record<string, string | null> = {
    delivery_delivered: null, // a success
    delivery_duplicate: null, // Onpipeline already had the lead (409): a success
    delivery_deduplicated: null, // the idempotency table already had it: a success
    delivery_permanent: 'dlq-not-empty', // every permanent outcome parks the lead in the DLQ
    delivery_configuration: 'onpipeline-configuration', // counted again as <where>_configuration
  };

  it.each([
    ['delivery_*', /^delivery_/],
    ['*_fetch_configuration', /_fetch_configuration$/],
    ['onpipeline_configuration', /^onpipeline_configuration$/],
    ['<channel>_rejected', /^[a-z_]+_rejected$/],
    ['<channel>_signature_refused', /_signature_refused$/],
  ])('alarm on every %s metric the code emits', (_family, pattern) => {
    // Prepare
    const family = emitted.filter((name) => pattern.test(name));

    // Assess
    expect(family.length).toBeGreaterThan(0);
    for (const name of family) {
      if (name in coveredElsewhere) {
        const other = coveredElsewhere[name];
        if (other) expect(alarmNamed(other), `${name} is alarmed as ${other}`).toBeDefined();
        continue;
      }
      expect(alarmsOn(name), `the alarm on ${name}`).toHaveLength(1);
    }
  });
});

describe('the alarms on AWS metrics', () => {
  const sqsQueue = (path: string) => [
    { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', path), 'QueueName'] } },
  ];
  const lambdaFunction = (path: string) => [
    { Name: 'FunctionName', Value: { Ref: logicalIdOf('AWS::Lambda::Function', path) } },
  ];
  const httpApi = () => [{ Name: 'ApiId', Value: { Ref: ofType('AWS::ApiGatewayV2::Api')[0]?.[0] } }];

  /** Alarm, namespace, metric, statistic, period (s), threshold, what it watches. */
  type AwsAlarmCase = [string, string, string, string, number, number, () => Json];
  it.each<AwsAlarmCase>([
    [
      'dlq-not-empty',
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      'Maximum',
      60,
      1,
      () => sqsQueue('/LeadsDeadLetterQueue/'),
    ],
    [
      'leads-oldest-message-age',
      'AWS/SQS',
      'ApproximateAgeOfOldestMessage',
      'Maximum',
      60,
      600,
      () => sqsQueue('/LeadsQueue/'),
    ],
    ['deliver-errors', 'AWS/Lambda', 'Errors', 'Sum', 300, 1, () => lambdaFunction('/Deliver/')],
    ['deliver-throttles', 'AWS/Lambda', 'Throttles', 'Sum', 300, 1, () => lambdaFunction('/Deliver/')],
    ['capture-errors', 'AWS/Lambda', 'Errors', 'Sum', 300, 1, () => lambdaFunction('/Capture/')],
    ['capture-throttles', 'AWS/Lambda', 'Throttles', 'Sum', 300, 1, () => lambdaFunction('/Capture/')],
    ['capture-5xx', 'AWS/ApiGateway', '5xx', 'Sum', 300, 1, httpApi],
  ])(
    '%s watches %s %s (%s over %i s, ≥ %i) of the right resource',
    (id, namespace, metricName, statistic, period, threshold, watched) => {
      // Prepare
      const alarm = alarmNamed(id);
      const topic = { Ref: logicalIdOf('AWS::SNS::Topic', '/AlarmTopic/') };

      // Assess
      expect(alarm).toMatchObject({
        Namespace: namespace,
        MetricName: metricName,
        Statistic: statistic,
        Period: period,
        Threshold: threshold,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [topic],
        OKActions: [topic],
      });
      expect(alarm?.Dimensions).toEqual(watched());
    },
  );

  it('covers every AWS-metric alarm of the stack', () => {
    // Assess
    const aws = alarms().filter((alarm) => String(alarm.Namespace).startsWith('AWS/'));
    expect(aws).toHaveLength(7);
  });
});
