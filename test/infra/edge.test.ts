import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAF_EVALUATION_WINDOW_SECONDS } from '#infra/constructs/edge-protection.ts';
import { LeadgateStack, projectRoot } from '#infra/stack.ts';

const cdkJsonContext = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')).context;
const account = '123456789012';
const webAclArn = `arn:aws:wafv2:us-east-1:${account}:global/webacl/leadgate/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
const outdir = mkdtempSync(join(tmpdir(), 'leadgate-cdk-'));

/** Synthesises the stack in a pinned account and region (the AZs given, as `cdk.context.json` would). */
function synth(region: string, context: Record<string, string>) {
  const app = new App({
    outdir: join(outdir, region),
    context: {
      ...cdkJsonContext,
      [`availability-zones:account=${account}:region=${region}`]: [`${region}a`, `${region}b`],
      // No function bundling: these tests read the edge resources only (stack.test.ts checks the code).
      'aws:cdk:bundling-stacks': [],
      account,
      region,
      ...context,
    },
  });
  const stack = new LeadgateStack(app, 'Leadgate');
  const checks = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(checks);
  const assembly = app.synth();
  const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template);
  return { template, report: checks.validateScope(app) };
}

type Synthesised = ReturnType<typeof synth>;

/** The distribution's origin: the API's execute-api host in the stack's region. */
function apiOrigin(template: Template) {
  const [apiId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'));
  return {
    'Fn::Join': [
      '',
      [{ Ref: apiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }],
    ],
  };
}

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

describe('WAF in front of the API, web ACL created by the stack (us-east-1)', () => {
  let template: Template;
  let report: Synthesised['report'];

  beforeAll(() => {
    // Prepare, Act
    ({ template, report } = synth('us-east-1', { wafRateLimit: '1000' }));
  });

  it('creates a CLOUDFRONT-scope web ACL that answers 429 to an IP over the rate limit', () => {
    // Assess
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
      Rules: [
        Match.objectLike({
          Name: 'rate-per-ip',
          Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
          Statement: {
            RateBasedStatement: {
              Limit: 1000,
              AggregateKeyType: 'IP',
              EvaluationWindowSec: WAF_EVALUATION_WINDOW_SECONDS,
            },
          },
        }),
      ],
    });
  });

  it('puts a non-caching CloudFront distribution with the web ACL in front of the API', () => {
    // Assess
    const [webAclId] = Object.keys(template.findResources('AWS::WAFv2::WebACL'));
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        WebACLId: { 'Fn::GetAtt': [webAclId, 'Arn'] },
        Origins: [
          Match.objectLike({
            DomainName: apiOrigin(template),
            CustomOriginConfig: Match.objectLike({
              OriginProtocolPolicy: 'https-only',
              OriginSSLProtocols: ['TLSv1.2'],
            }),
          }),
        ],
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'https-only',
          AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
          // The managed CachingDisabled and AllViewerExceptHostHeader policies.
          CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
          OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
        }),
      }),
    });
    template.hasOutput('EdgeUrl', Match.anyValue());
  });

  it('passes the AwsSolutions checks', () => {
    // Assess
    expect(report.violations.map((violation) => `${violation.severity} ${violation.ruleName}`)).toEqual([]);
  });
});

describe('WAF in front of the API, existing web ACL (any region)', () => {
  let template: Template;
  let report: Synthesised['report'];

  beforeAll(() => {
    // Prepare, Act
    ({ template, report } = synth('eu-south-1', { wafWebAclArn: webAclArn }));
  });

  it('attaches the given web ACL to the distribution and creates none', () => {
    // Assess
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ WebACLId: webAclArn }),
    });
  });

  it('passes the AwsSolutions checks', () => {
    // Assess
    expect(report.violations.map((violation) => `${violation.severity} ${violation.ruleName}`)).toEqual([]);
  });
});

describe('without a WAF setting', () => {
  let template: Template;

  beforeAll(() => {
    // Prepare, Act
    ({ template } = synth('eu-west-1', {}));
  });

  it('creates no distribution and no web ACL', () => {
    // Assess
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(template.findOutputs('EdgeUrl')).toEqual({});
  });
});
