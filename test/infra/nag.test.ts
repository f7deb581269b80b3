import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeadgateStack, projectRoot } from '#infra/stack.ts';

const cdkJsonContext = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')).context;

/** Every cdk-nag acknowledgement in the tree: rule id → construct path → reason. */
function acknowledgements(root: IConstruct): Map<string, Map<string, string>> {
  const found = new Map<string, Map<string, string>>();
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        const rule = id.replace(/^annotation::/i, '');
        if (!rule.startsWith('AwsSolutions-')) continue;
        const paths = found.get(rule) ?? new Map<string, string>();
        paths.set(construct.node.path, reason);
        found.set(rule, paths);
      }
    }
  }
  return found;
}

describe('cdk-nag AwsSolutions checks', () => {
  let app: App;
  const outdir = mkdtempSync(join(tmpdir(), 'leadgate-cdk-'));
  let synth: () => { directory: string };

  beforeAll(() => {
    // Prepare
    app = new App({ outdir, context: cdkJsonContext });
    new LeadgateStack(app, 'Leadgate');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    synth = () => app.synth();
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('synthesises with the AwsSolutions plugin and reports no violation', () => {
    // Act
    const assembly = synth();

    // Assess
    const reportFile = join(assembly.directory, 'validation-report.json');
    expect(existsSync(reportFile)).toBe(true);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    const violations = report.pluginReports.flatMap(
      (plugin: { violations?: unknown[] }) => plugin.violations ?? [],
    );
    expect(violations).toEqual([]);
  });

  it('has no unacknowledged error or warning', () => {
    // Act
    const report = new AwsSolutionsChecks().validateScope(app);

    // Assess
    expect(report.violations.map((violation) => `${violation.severity} ${violation.ruleName}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges only the reviewed findings, each on the narrowest construct, with a reason', () => {
    // Act
    const found = acknowledgements(app);

    // Assess
    const eniArn = (type: string) =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:${type}/*]`;
    const appConfigArn = (path: string) =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:appconfig:<AWS::Region>:<AWS::AccountId>:application/<LiveConfigApplication6090066F>/${path}/*]`;
    expect(Object.fromEntries([...found].map(([rule, paths]) => [rule, [...paths.keys()]]))).toEqual({
      'AwsSolutions-APIG4': ['Leadgate/Api'],
      // X-Ray's "*" only with tracing on (default none; see the tracing settings below)
      'AwsSolutions-IAM5[Resource::*]': ['Leadgate/Deliver/VpcAccess'],
      [eniArn('network-interface')]: ['Leadgate/Deliver/VpcAccess'],
      [eniArn('subnet')]: ['Leadgate/Deliver/VpcAccess'],
      [eniArn('security-group')]: ['Leadgate/Deliver/VpcAccess'],
      'AwsSolutions-SMG4': ['Leadgate/GatewaySecrets', 'Leadgate/ApiTokens'],
      [appConfigArn('configurationprofile/<LiveConfigProfileE1919686>/hostedconfigurationversion')]: [
        'Leadgate/LiveConfig/PublishPolicy',
      ],
      [appConfigArn('environment/<LiveConfigEnvironment461E2355>/deployment')]: [
        'Leadgate/LiveConfig/PublishPolicy',
      ],
    });
    for (const paths of found.values()) {
      for (const reason of paths.values()) expect(reason.length).toBeGreaterThan(150);
    }
  });

  it.each([
    ['deliver', ['Leadgate/Deliver/Role/DefaultPolicy', 'Leadgate/Deliver/VpcAccess']],
    [
      'all',
      [
        'Leadgate/Capture/Role/DefaultPolicy',
        'Leadgate/Deliver/Role/DefaultPolicy',
        'Leadgate/Deliver/VpcAccess',
      ],
    ],
  ])(
    'with tracing=%s reports no violation and acknowledges X-Ray\'s "*" on the traced roles only',
    (tracing, expected) => {
      // Prepare
      const traced = new App({
        outdir: join(outdir, `tracing-${tracing}`),
        // No function bundling: the checks read the template, not the code.
        context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], tracing },
      });
      new LeadgateStack(traced, 'Leadgate');
      const checks = new AwsSolutionsChecks(traced);
      Validations.of(traced).addPlugins(checks);

      // Act
      traced.synth();
      const report = checks.validateScope(traced);

      // Assess
      expect(report.violations.map((violation) => `${violation.severity} ${violation.ruleName}`)).toEqual([]);
      expect(report.success).toBe(true);
      expect([...(acknowledgements(traced).get('AwsSolutions-IAM5[Resource::*]')?.keys() ?? [])]).toEqual(
        expected,
      );
    },
  );

  it('fails synth on an unacknowledged finding', () => {
    // Prepare
    const other = new App({ outdir: join(outdir, 'careless') });
    new Queue(new Stack(other, 'Careless'), 'Queue');
    Validations.of(other).addPlugins(new AwsSolutionsChecks(other));

    // Act
    const careless = () => other.synth();

    // Assess
    expect(careless).toThrow(/AwsSolutions-SQS4/);
  });
});
