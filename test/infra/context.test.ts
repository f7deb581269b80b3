import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeadgateStack, projectRoot } from '#infra/stack.ts';
import { DELIVER_TIMEOUT_SECONDS } from '#shared/queue/definition.ts';

// biome-ignore lint/suspicious/noExplicitAny: template JSON is untyped; the assertions check its shape
type Json = any;

const cdkJsonContext = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')).context;
const allocationId = 'eipalloc-0123456789abcdef0';
const allocationId2 = 'eipalloc-0fedcba9876543210';
const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

describe('LeadgateStack with context settings', () => {
  let template: Template;
  let terminationProtection: boolean | undefined;
  const outdir = mkdtempSync(join(tmpdir(), 'leadgate-cdk-'));

  beforeAll(() => {
    // Prepare
    const app = new App({
      outdir,
      context: {
        ...cdkJsonContext,
        // No function bundling: this suite reads template properties only (stack.test.ts checks the code).
        'aws:cdk:bundling-stacks': [],
        natEipAllocationId: allocationId,
        onpipelineUrl: 'https://onpipeline.example.com:8443/api',
        throttleRateLimit: '20',
        throttleBurstLimit: '40',
        logRetentionDays: '90',
        logLevel: 'DEBUG',
        deliverBatchingWindowSeconds: '45',
        stackName: 'LeadgateStaging',
        natGateways: '2',
        natEipAllocationId2: allocationId2,
        accessLogRetentionDays: '365',
        formsRateLimit: '30',
        formsBurstLimit: '300',
        partnersRateLimit: '10',
        partnersBurstLimit: '20',
        webhooksRateLimit: '1000',
        webhooksBurstLimit: '5000',
        captureReservedConcurrency: '50',
        domainName: 'leads.example.com',
        certificateArn,
        environment: 'staging',
        owner: 'marketing-ops@example.com',
      },
    });

    // Act
    const stack = new LeadgateStack(app, 'LeadgateStaging');
    const artifact = app.synth().getStackByName(stack.stackName);
    terminationProtection = artifact.terminationProtection;
    template = Template.fromJSON(artifact.template);
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('allocates no Elastic IP and gives the two NAT gateways the existing allocations', () => {
    // Assess
    template.resourceCountIs('AWS::EC2::EIP', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    template.hasResourceProperties('AWS::EC2::NatGateway', { AllocationId: allocationId });
    template.hasResourceProperties('AWS::EC2::NatGateway', { AllocationId: allocationId2 });
    template.hasOutput('EgressIpAllocationId', { Value: allocationId });
    template.hasOutput('EgressIpAllocationId2', { Value: allocationId2 });
    expect(template.findOutputs('EgressIp')).toEqual({});
    expect(template.findOutputs('EgressIp2')).toEqual({});
  });

  it('routes each private subnet through the NAT gateway of its own AZ', () => {
    // Assess
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Json }>;
    const natIds = Object.entries(resources)
      .filter(([, resource]) => resource.Type === 'AWS::EC2::NatGateway')
      .map(([id]) => id);
    const natRoutes = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::EC2::Route' && resource.Properties.NatGatewayId)
      .map((resource) => resource.Properties.NatGatewayId.Ref);
    expect(natRoutes.sort()).toEqual(natIds.sort());
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

  it('applies the default and the per-route throttles', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      RouteSettings: Match.objectLike({
        'POST /v1/forms/{sourceId}': { ThrottlingRateLimit: 30, ThrottlingBurstLimit: 300 },
        'POST /v1/partners/{sourceId}/leads': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
        'POST /v1/webhooks/meta': { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 5000 },
        'POST /v1/webhooks/tiktok': { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 5000 },
      }),
    });
  });

  it('keeps the access logs for accessLogRetentionDays and every other log group for logRetentionDays', () => {
    // Assess
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    const accessLogsId = stage?.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
    const logGroups = Object.entries(template.findResources('AWS::Logs::LogGroup'));
    expect(logGroups.length).toBeGreaterThanOrEqual(4);
    for (const [id, logGroup] of logGroups) {
      expect(logGroup.Properties.RetentionInDays, id).toBe(id === accessLogsId ? 365 : 90);
    }
  });

  it('reserves the configured concurrency for capture only', () => {
    // Assess
    const functions = template.findResources('AWS::Lambda::Function');
    const reserved = Object.entries(functions).map(([id, fn]) => [
      id.replace(/[0-9A-F]{8}$/, ''),
      fn.Properties.ReservedConcurrentExecutions,
    ]);
    expect(Object.fromEntries(reserved)).toEqual({ CaptureFunction: 50, DeliverFunction: undefined });
  });

  it('maps the custom domain to the stage and outputs the DNS target', () => {
    // Assess
    const domains = template.findResources('AWS::ApiGatewayV2::DomainName');
    const [domainId] = Object.keys(domains);
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'leads.example.com',
      DomainNameConfigurations: [
        Match.objectLike({ CertificateArn: certificateArn, EndpointType: 'REGIONAL' }),
      ],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      DomainName: { Ref: domainId },
      ApiId: { Ref: Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0] },
      Stage: '$default',
    });
    template.hasOutput('CustomDomainTarget', {
      Value: { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] },
    });
    template.hasOutput('CustomDomainHostedZoneId', {
      Value: { 'Fn::GetAtt': [domainId, 'RegionalHostedZoneId'] },
    });
    template.hasOutput('CustomDomainUrl', Match.anyValue());
  });

  it('tags every resource with the environment and the owner', () => {
    // Assess
    for (const type of ['AWS::SQS::Queue', 'AWS::Lambda::Function', 'AWS::SecretsManager::Secret']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect(resource.Properties.Tags).toEqual(
          expect.arrayContaining([
            { Key: 'environment', Value: 'staging' },
            { Key: 'owner', Value: 'marketing-ops@example.com' },
            { Key: 'app', Value: 'leadgate' },
          ]),
        );
      }
    }
    expect(terminationProtection).toBe(true);
  });

  it('applies the batching window to the deliver trigger and adds it to the visibility timeout', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { MaximumBatchingWindowInSeconds: 45 });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * DELIVER_TIMEOUT_SECONDS + 45,
      RedrivePolicy: Match.anyValue(),
    });
  });

  it('names the alarms, the secrets and the leads queue after the stack, and subscribes no e-mail by default', () => {
    // Assess
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'LeadgateStaging/gateway-secrets',
    });
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'LeadgateStaging/api-tokens' });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'LeadgateStaging-leads' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'LeadgateStaging-dlq-not-empty' });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});
