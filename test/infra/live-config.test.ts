import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { LiveConfig, publishedDocumentJsonSchema } from '#infra/constructs/live-config.ts';
import { LeadgateStack, projectRoot } from '#infra/stack.ts';

/**
 * The published sources on AWS (docs/operations.md, "Publishing sources"): AppConfig application,
 * environment with alarm-based rollback, validated hosted profile, short-bake strategy, the functions'
 * read permission and the publish policy. The construct is checked on its own stack (fast), and its
 * wiring in the real stack once.
 */

function liveConfigStack() {
  const stack = new Stack(new App(), 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
  const live = new LiveConfig(stack, 'LiveConfig', {
    name: 'leadgate',
    rollbackAlarmNames: ['leadgate-deliver-errors'],
  });
  const reader = new Role(stack, 'Reader', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  live.grantRead(reader);
  return { template: Template.fromStack(stack), stack };
}

describe('LiveConfig: the sources as an AppConfig hosted configuration', () => {
  const { template } = liveConfigStack();

  it('creates an application, a hosted freeform profile validated by the document schema, and a strategy with a short bake', () => {
    // Assess
    template.resourceCountIs('AWS::AppConfig::Application', 1);
    template.hasResourceProperties('AWS::AppConfig::ConfigurationProfile', {
      LocationUri: 'hosted',
      Type: 'AWS.Freeform',
      Validators: [{ Type: 'JSON_SCHEMA', Content: publishedDocumentJsonSchema() }],
    });
    template.hasResourceProperties('AWS::AppConfig::DeploymentStrategy', {
      DeploymentDurationInMinutes: 0,
      GrowthFactor: 100,
      GrowthType: 'LINEAR',
      FinalBakeTimeInMinutes: 2,
      ReplicateTo: 'NONE',
    });
  });

  it('rolls a deployment back when a delivery alarm fires: the environment monitors them with a role AppConfig assumes', () => {
    // Prepare
    const [environment] = Object.values(template.findResources('AWS::AppConfig::Environment'));
    const [monitor] = environment?.Properties.Monitors ?? [];

    // Assess
    expect(JSON.stringify(monitor.AlarmArn)).toMatch(
      /:cloudwatch:eu-west-1:111111111111:alarm:leadgate-deliver-errors/,
    );
    expect(monitor.AlarmRoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/MonitorRole/), 'Arn'] });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'appconfig.amazonaws.com' } })],
      },
    });
    const readsAlarms = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap(
        (policy) => policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[],
      )
      .filter((statement) => statement.Action === 'cloudwatch:DescribeAlarms');
    expect(readsAlarms).toHaveLength(1);
    expect(JSON.stringify(readsAlarms[0]?.Resource)).toMatch(/alarm:leadgate-deliver-errors"/);
  });

  it('lets a function start a session and get the latest configuration of this profile only', () => {
    // Assess
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
            Resource: {
              'Fn::Join': [
                '',
                Match.arrayWith([Match.stringLikeRegexp(':appconfig:eu-west-1:111111111111:application/')]),
              ],
            },
          }),
        ],
      },
    });
  });

  it('has a managed publish policy allowing exactly publish, list and roll back, each on this configuration', () => {
    // Prepare
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));

    // Act
    const statements = policy?.Properties.PolicyDocument.Statement as {
      Action: string | string[];
      Resource: unknown;
    }[];
    const actions = statements.flatMap((statement) => statement.Action).sort();

    // Assess
    expect(actions).toEqual([
      'appconfig:CreateHostedConfigurationVersion',
      'appconfig:GetDeployment',
      'appconfig:GetHostedConfigurationVersion',
      'appconfig:ListDeployments',
      'appconfig:ListHostedConfigurationVersions',
      'appconfig:StartDeployment',
      'appconfig:StopDeployment',
    ]);
    for (const statement of statements)
      expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"|application\/\*/);
  });

  it('validates the published document shape with the source schema (draft-04), sources keyed by source id', () => {
    // Act
    const schema = JSON.parse(publishedDocumentJsonSchema());

    // Assess
    expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(schema.required).toEqual(['version', 'sources']);
    const [idPattern] = Object.keys(schema.properties.sources.patternProperties);
    expect(idPattern).toBe('^[a-z0-9][a-z0-9-]{0,62}$');
    expect(schema.properties.sources.patternProperties[idPattern ?? ''].required).toEqual([
      'channel',
      'lead',
    ]);
    expect(publishedDocumentJsonSchema().length).toBeLessThanOrEqual(32_768);
  });
});

describe('the stack wires the published sources into both functions', () => {
  let template: Template;
  beforeAll(() => {
    const context = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')).context;
    template = Template.fromStack(new LeadgateStack(new App({ context }), 'Leadgate'));
  });

  it('names the application, environment and profile in both functions and outputs the publish policy', () => {
    // Assess
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    const withConfig = functions.filter((fn) => fn.Properties.Environment?.Variables?.APPCONFIG_PROFILE_ID);
    expect(withConfig).toHaveLength(2);
    for (const fn of withConfig) {
      expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
        expect.arrayContaining(['APPCONFIG_APPLICATION_ID', 'APPCONFIG_ENVIRONMENT_ID', 'SOURCES_DIR']),
      );
    }
    template.hasOutput('PublishPolicyArn', { Value: { Ref: Match.stringLikeRegexp('PublishPolicy') } });
    template.hasOutput('AppConfigDeploymentStrategyId', Match.anyValue());
  });

  it('rolls back on the delivery alarms and on a parked lead, not on dlq-not-empty', () => {
    // Assess
    const [environment] = Object.values(template.findResources('AWS::AppConfig::Environment'));
    const monitored = JSON.stringify(environment?.Properties.Monitors);
    expect(environment?.Properties.Monitors).toHaveLength(4);
    expect(monitored).toMatch(/alarm:Leadgate-deliver-errors/);
    expect(monitored).toMatch(/alarm:Leadgate-sources-parked-leads/);
    expect(monitored).not.toMatch(/dlq-not-empty/);
  });
});
