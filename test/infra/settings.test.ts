import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { defaultSettings, parseSettings, readSettings, SettingsError } from '#infra/settings.ts';
import { DELIVER_BATCHING_WINDOW_SECONDS, tracedFunctions } from '#infra/sizing.ts';

const uuid = '0a1b2c3d-4e5f-6789-abcd-ef0123456789';

describe('parseSettings', () => {
  it('fills in the documented defaults', () => {
    // Act
    const settings = parseSettings({});

    // Assess
    expect(settings).toEqual({
      ...defaultSettings,
      account: undefined,
      region: undefined,
      alarmEmail: undefined,
      natEipAllocationId: undefined,
      natEipAllocationId2: undefined,
      captureReservedConcurrency: undefined,
      domainName: undefined,
      certificateArn: undefined,
      wafRateLimit: undefined,
      wafWebAclArn: undefined,
      environment: undefined,
      owner: undefined,
    });
  });

  it('defaults to throttles that take a burst of 300 form posts and far more webhooks', () => {
    // Act
    const settings = parseSettings({});

    // Assess
    expect(settings.formsBurstLimit).toBeGreaterThanOrEqual(300);
    expect(settings.webhooksBurstLimit).toBeGreaterThan(3 * settings.formsBurstLimit);
    expect(settings.natGateways).toBe(1);
    expect(settings.accessLogRetentionDays).toBe(30);
  });

  it('accepts the optional settings', () => {
    // Act
    const settings = parseSettings({
      natGateways: '2',
      natEipAllocationId: 'eipalloc-0123456789abcdef0',
      natEipAllocationId2: 'eipalloc-0fedcba9876543210',
      captureReservedConcurrency: '20',
      domainName: 'leads.example.com',
      certificateArn: `arn:aws:acm:eu-west-1:123456789012:certificate/${uuid}`,
      region: 'eu-west-1',
      environment: 'production',
      owner: 'Marketing Ops',
    });

    // Assess
    expect(settings).toMatchObject({
      natGateways: 2,
      captureReservedConcurrency: 20,
      domainName: 'leads.example.com',
      environment: 'production',
      owner: 'Marketing Ops',
    });
  });

  it('accepts a WAF rate limit for a stack in us-east-1', () => {
    // Act
    const settings = parseSettings({ wafRateLimit: '1000', region: 'us-east-1' });

    // Assess
    expect(settings.wafRateLimit).toBe(1000);
  });

  it('accepts an existing CLOUDFRONT-scope web ACL for a stack in any region', () => {
    // Prepare
    const wafWebAclArn = `arn:aws:wafv2:us-east-1:123456789012:global/webacl/leadgate/${uuid}`;

    // Act
    const settings = parseSettings({ wafWebAclArn, region: 'eu-south-1' });

    // Assess
    expect(settings.wafWebAclArn).toBe(wafWebAclArn);
  });

  it('accepts numbers given as strings on the command line (-c name=value)', () => {
    // Act
    const settings = parseSettings({
      deliverMaxConcurrency: '10',
      deliverBatchingWindowSeconds: '0',
      throttleRateLimit: '200',
      throttleBurstLimit: 400,
      logRetentionDays: '365',
      oldestMessageAgeSeconds: '1800',
    });

    // Assess
    expect(settings).toMatchObject({
      deliverMaxConcurrency: 10,
      deliverBatchingWindowSeconds: 0,
      throttleRateLimit: 200,
      throttleBurstLimit: 400,
      logRetentionDays: 365,
      oldestMessageAgeSeconds: 1800,
    });
  });

  it('reads the settings from CDK context', () => {
    // Prepare
    const outdir = mkdtempSync(join(tmpdir(), 'leadgate-cdk-'));
    const context = { alarmEmail: 'ops@example.com', region: 'eu-west-1', account: '123456789012' };
    const app = new App({ outdir, context });

    // Act
    const settings = readSettings(app.node);
    rmSync(outdir, { recursive: true, force: true });

    // Assess
    expect(settings).toMatchObject({
      alarmEmail: 'ops@example.com',
      region: 'eu-west-1',
      account: '123456789012',
    });
  });

  it.each([
    ['deliverMaxConcurrency', '1', 'deliverMaxConcurrency: expected a whole number from 2 to 1000'],
    ['deliverMaxConcurrency', 'many', 'deliverMaxConcurrency: expected a whole number'],
    [
      'deliverBatchingWindowSeconds',
      '301',
      'deliverBatchingWindowSeconds: expected a whole number from 0 to 300',
    ],
    ['deliverBatchingWindowSeconds', 2.5, 'deliverBatchingWindowSeconds: expected a whole number'],
    ['throttleRateLimit', 0, 'throttleRateLimit: expected a whole number from 1'],
    ['logRetentionDays', '31', 'logRetentionDays: 31 is not a CloudWatch Logs retention'],
    ['natEipAllocationId', '203.0.113.10', 'natEipAllocationId: expected eipalloc-<hex>'],
    ['alarmEmail', 'ops', 'alarmEmail: expected an e-mail address'],
    ['onpipelineUrl', 'http://api.onpipeline.com', 'onpipelineUrl: expected an https:// URL'],
    ['logLevel', 'verbose', 'logLevel: expected DEBUG | INFO | WARN | ERROR'],
    ['tracing', 'capture', 'tracing: expected none | deliver | all, got "capture"'],
    ['tracing', 'Active', 'tracing: expected none | deliver | all, got "Active"'],
    ['tracing', true, 'tracing: expected none | deliver | all, got true'],
    ['account', 'prod', 'account: expected a 12-digit AWS account id'],
    ['stackName', '1leadgate', 'stackName: expected a letter'],
    ['accessLogRetentionDays', '31', 'accessLogRetentionDays: 31 is not a CloudWatch Logs retention'],
    ['formsBurstLimit', '5001', 'formsBurstLimit: expected a whole number from 1 to 5000'],
    ['formsRateLimit', '600', 'formsBurstLimit: 500 is below formsRateLimit 600'],
    ['partnersRateLimit', 'fast', 'partnersRateLimit: expected a whole number'],
    ['webhooksBurstLimit', '100', 'webhooksBurstLimit: 100 is below webhooksRateLimit 500'],
    ['natGateways', '3', 'natGateways: expected a whole number from 1 to 2'],
    ['natEipAllocationId2', 'eipalloc-0123456789abcdef0', 'natEipAllocationId2: only with natGateways 2'],
    ['captureReservedConcurrency', '0', 'captureReservedConcurrency: expected a whole number from 1'],
    ['captureReservedConcurrency', 'some', 'captureReservedConcurrency: expected a whole number'],
    ['domainName', 'https://leads.example.com', 'domainName: expected a host name'],
    ['domainName', 'leads.example.com', 'domainName, certificateArn: give both'],
    ['certificateArn', 'arn:aws:acm:eu-west-1:123:cert', 'certificateArn: expected an ACM certificate ARN'],
    ['wafRateLimit', '5', 'wafRateLimit: expected a whole number from 10'],
    ['wafRateLimit', '1000', 'wafRateLimit: AWS creates CLOUDFRONT-scope web ACLs in us-east-1 only'],
    [
      'wafWebAclArn',
      `arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/leadgate/${uuid}`,
      'wafWebAclArn: expected a CLOUDFRONT-scope web ACL ARN',
    ],
    ['environment', 'prod;rm', 'environment: expected a tag value'],
    ['owner', 'x'.repeat(257), 'owner: expected a tag value'],
  ])('rejects %s = %j', (key, value, message) => {
    // Act
    const parse = () => parseSettings({ [key]: value });

    // Assess
    expect(parse).toThrow(SettingsError);
    expect(parse).toThrow(message);
  });

  it('traces no function with X-Ray by default', () => {
    // Act
    const settings = parseSettings({});

    // Assess
    expect(settings.tracing).toBe('none');
    expect(tracedFunctions(settings.tracing)).toEqual({ capture: false, deliver: false });
  });

  it.each([
    ['none', { capture: false, deliver: false }],
    ['deliver', { capture: false, deliver: true }],
    ['all', { capture: true, deliver: true }],
  ])('accepts tracing %s, which traces %j', (tracing, traced) => {
    // Act
    const settings = parseSettings({ tracing });

    // Assess
    expect(settings.tracing).toBe(tracing);
    expect(tracedFunctions(settings.tracing)).toEqual(traced);
  });

  it('defaults the batching window to the stack constant', () => {
    // Act
    const settings = parseSettings({});

    // Assess
    expect(settings.deliverBatchingWindowSeconds).toBe(DELIVER_BATCHING_WINDOW_SECONDS);
  });

  it.each([
    [60, 30, false],
    [60, 29, true],
    [900, 300, true],
    [300, 300, false],
  ])('with oldestMessageAgeSeconds %i and a %i s window, accepts: %s', (age, window, accepted) => {
    // Act
    const parse = () => parseSettings({ oldestMessageAgeSeconds: age, deliverBatchingWindowSeconds: window });

    // Assess
    if (accepted) expect(parse).not.toThrow();
    else expect(parse).toThrow(/oldestMessageAgeSeconds: \d+ must be more than deliverBatchingWindowSeconds/);
  });

  it.each([
    [
      {
        natGateways: 2,
        natEipAllocationId: 'eipalloc-0123456789abcdef0',
        natEipAllocationId2: 'eipalloc-0123456789abcdef0',
      },
      'natEipAllocationId2: must differ from natEipAllocationId',
    ],
    [
      {
        domainName: 'leads.example.com',
        certificateArn: `arn:aws:acm:us-east-1:123456789012:certificate/${uuid}`,
        region: 'eu-west-1',
      },
      'certificateArn: the certificate is in us-east-1, the stack in eu-west-1',
    ],
    [
      {
        wafRateLimit: 1000,
        region: 'us-east-1',
        wafWebAclArn: `arn:aws:wafv2:us-east-1:123456789012:global/webacl/a/${uuid}`,
      },
      'wafRateLimit, wafWebAclArn: give one',
    ],
    [
      {
        wafWebAclArn: `arn:aws:wafv2:us-east-1:123456789012:global/webacl/a/${uuid}`,
        domainName: 'leads.example.com',
        certificateArn: `arn:aws:acm:eu-west-1:123456789012:certificate/${uuid}`,
      },
      'domainName with a WAF: not supported yet',
    ],
  ])('rejects the combination %j', (raw, message) => {
    // Act
    const parse = () => parseSettings(raw);

    // Assess
    expect(parse).toThrow(SettingsError);
    expect(parse).toThrow(message);
  });

  it('lists every problem in one error', () => {
    // Act
    let error: unknown;
    try {
      parseSettings({
        deliverMaxConcurrency: 0,
        alarmEmail: 'x',
        throttleRateLimit: 100,
        throttleBurstLimit: 10,
      });
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems).toHaveLength(3);
    expect((error as SettingsError).message).toMatch(
      /deliverMaxConcurrency[\s\S]*alarmEmail[\s\S]*throttleBurstLimit/,
    );
  });
});
