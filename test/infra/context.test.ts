import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeadgateStack, projectRoot } from '#infra/stack.ts';
import { DELIVER_TIMEOUT_SECONDS } from '#shared/queue/definition.ts';

const cdkJsonContext = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')).context;
const allocationId = 'eipalloc-0123456789abcdef0';

describe('LeadgateStack with context settings', () => {
  let template: Template;
  const outdir = mkdtempSync(join(tmpdir(), 'leadgate-cdk-'));

  beforeAll(() => {
    // Prepare
    const app = new App({
      outdir,
      context: {
        ...cdkJsonContext,
        natEipAllocationId: allocationId,
        onpipelineUrl: 'https://onpipeline.example.com:8443/api',
        throttleRateLimit: '20',
        throttleBurstLimit: '40',
        logRetentionDays: '90',
        logLevel: 'DEBUG',
        deliverBatchingWindowSeconds: '45',
        stackName: 'LeadgateStaging',
      },
    });

    // Act
    const stack = new LeadgateStack(app, 'LeadgateStaging');
    template = Template.fromJSON(app.synth().getStackByName(stack.stackName).template);
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('allocates no Elastic IP and gives the NAT gateway the existing allocation', () => {
    // Assess
    template.resourceCountIs('AWS::EC2::EIP', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::NatGateway', { AllocationId: allocationId });
    template.hasOutput('EgressIpAllocationId', { Value: allocationId });
    expect(template.findOutputs('EgressIp')).toEqual({});
  });

  it('sends the Onpipeline URL to the functions and opens its port for deliver', () => {
    // Assess
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        ONPIPELINE_URL: 'https://onpipeline.example.com:8443/api',
        LOG_LEVEL: 'DEBUG',
      });
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: Match.arrayWith([
        Match.objectLike({ FromPort: 443, ToPort: 443 }),
        Match.objectLike({ FromPort: 8443, ToPort: 8443 }),
      ]),
    });
  });

  it('applies the throttle and the log retention', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(logGroups.length).toBeGreaterThanOrEqual(4);
    for (const logGroup of logGroups) expect(logGroup.Properties.RetentionInDays).toBe(90);
  });

  it('applies the batching window to the deliver trigger and adds it to the visibility timeout', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { MaximumBatchingWindowInSeconds: 45 });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * DELIVER_TIMEOUT_SECONDS + 45,
      RedrivePolicy: Match.anyValue(),
    });
  });

  it('names the alarms and the secret after the stack, and subscribes no e-mail by default', () => {
    // Assess
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'LeadgateStaging/secrets' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'LeadgateStaging-dlq-not-empty' });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});
