import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { defaultSettings, parseSettings, readSettings, SettingsError } from '#infra/settings.ts';
import { DELIVER_BATCHING_WINDOW_SECONDS } from '#infra/sizing.ts';

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
    });
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
    ['account', 'prod', 'account: expected a 12-digit AWS account id'],
    ['stackName', '1leadgate', 'stackName: expected a letter'],
  ])('rejects %s = %j', (key, value, message) => {
    // Act
    const parse = () => parseSettings({ [key]: value });

    // Assess
    expect(parse).toThrow(SettingsError);
    expect(parse).toThrow(message);
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
