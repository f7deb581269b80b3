import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { startSecretsManager } from '#scripts/rehearsal/standins.ts';
import { type LocalValue, resolveValue, type Template, underTaskRoot } from '#scripts/rehearsal/template.ts';

const template: Template = {
  Resources: {
    Leads: { Type: 'AWS::SQS::Queue' },
    Secrets: { Type: 'AWS::SecretsManager::Secret' },
    Logs: { Type: 'AWS::Logs::LogGroup' },
  },
};
const locals = new Map<string, LocalValue>([
  [
    'Leads',
    {
      ref: 'http://127.0.0.1:1/000000000000/Leads',
      attributes: { Arn: 'arn:aws:sqs:us-east-1:000000000000:Leads' },
    },
  ],
  ['Secrets', { ref: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:s-Rhrsl0', attributes: {} }],
]);

describe('the rehearsal resolves function settings against local stand-ins', () => {
  it.each([
    ['a plain value', 'INFO', 'INFO'],
    ['a Ref', { Ref: 'Leads' }, 'http://127.0.0.1:1/000000000000/Leads'],
    ['a Fn::GetAtt', { 'Fn::GetAtt': ['Leads', 'Arn'] }, 'arn:aws:sqs:us-east-1:000000000000:Leads'],
    ['a pseudo parameter', { Ref: 'AWS::Region' }, 'us-east-1'],
    ['a Fn::Join', { 'Fn::Join': ['/', ['a', { Ref: 'AWS::AccountId' }]] }, 'a/000000000000'],
    [
      'a Fn::Sub',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own ${} syntax
      { 'Fn::Sub': '${Leads.Arn}|${AWS::Partition}|${Secrets}' },
      'arn:aws:sqs:us-east-1:000000000000:Leads|aws|arn:aws:secretsmanager:us-east-1:000000000000:secret:s-Rhrsl0',
    ],
  ])('resolves %s', (_, value, expected) => {
    // Act
    const resolved = resolveValue(value, locals, template);

    // Assess
    expect(resolved).toBe(expected);
  });

  it('refuses a reference to a resource without a stand-in, naming it', () => {
    // Act
    const resolve = () => resolveValue({ Ref: 'Logs' }, locals, template);

    // Assess
    expect(resolve).toThrow(/Logs \(AWS::Logs::LogGroup\)/);
  });

  it('maps /var/task to the local copy of the package', () => {
    // Act
    const paths = ['/var/task/sources', '/var/task', '/var/taskforce', 'sources'].map((path) =>
      underTaskRoot(path, '/tmp/task/Capture'),
    );

    // Assess
    expect(paths).toEqual(['/tmp/task/Capture/sources', '/tmp/task/Capture', '/var/taskforce', 'sources']);
  });
});

describe('the Secrets Manager stand-in', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('answers the SDK GetSecretValue by ARN and by name, and ResourceNotFound for anything else', async () => {
    // Prepare
    const arn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:Leadgate/api-tokens-Rhrsl0';
    const standIn = await startSecretsManager([
      { arn, name: 'Leadgate/api-tokens', value: '{"ONPIPELINE_TOKEN":"t"}' },
    ]);
    const client = new SecretsManagerClient({
      endpoint: standIn.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    cleanups.push(
      async () => client.destroy(),
      () => standIn.stop(),
    );

    // Act
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const byName = await client.send(new GetSecretValueCommand({ SecretId: 'Leadgate/api-tokens' }));
    const unknown = await client
      .send(new GetSecretValueCommand({ SecretId: 'other' }))
      .catch((error: unknown) => error);

    // Assess
    expect(byArn.SecretString).toBe('{"ONPIPELINE_TOKEN":"t"}');
    expect(byName.ARN).toBe(arn);
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
    expect(standIn.reads()).toBe(2);
  });
});
