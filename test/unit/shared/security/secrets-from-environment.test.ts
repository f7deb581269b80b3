import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { secretsFromEnvironment } from '#shared/security/secrets.ts';

/**
 * A Secrets Manager stand-in on loopback: answers every `GetSecretValue` with `secretString`, and
 * records the `SecretId` it was asked for. The SDK reaches it through its standard endpoint variable.
 */
let server: Server;
let secretString: string | undefined;
const askedFor: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      askedFor.push(JSON.parse(body).SecretId);
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify(secretString === undefined ? { Name: 'x' } : { SecretString: secretString }),
      );
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
});

afterAll(async () => {
  await new Promise((closed) => server.close(closed));
});

afterEach(() => {
  vi.unstubAllEnvs();
  askedFor.length = 0;
});

function onAws(arn: string) {
  vi.stubEnv('SECRETS_ARN', arn);
  vi.stubEnv(
    'AWS_ENDPOINT_URL_SECRETS_MANAGER',
    `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  );
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'example-secret-key');
}

describe('secretsFromEnvironment on AWS (SECRETS_ARN set)', () => {
  it('reads every secret by name from the one Secrets Manager secret, values as strings', async () => {
    // Prepare
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:Leadgate/api-tokens-AbCdEf';
    onAws(arn);
    secretString = JSON.stringify({ ONPIPELINE_TOKEN: 'token-1', LINKEDIN_ACCESS_TOKEN: 42 });
    const secrets = secretsFromEnvironment('api');

    // Act
    const token = await secrets.require('ONPIPELINE_TOKEN');
    const numeric = await secrets.get('LINKEDIN_ACCESS_TOKEN');
    const missing = await secrets.get('META_APP_SECRET');

    // Assess
    expect(token).toBe('token-1');
    expect(numeric).toBe('42');
    expect(missing).toBeUndefined();
    expect(askedFor).toEqual([arn]);
  });

  it('reads a secret with no string value as empty', async () => {
    // Prepare
    onAws('arn:aws:secretsmanager:eu-west-1:123456789012:secret:Leadgate/gateway-secrets-AbCdEf');
    secretString = undefined;
    const secrets = secretsFromEnvironment('gateway');

    // Act
    const value = await secrets.get('META_APP_SECRET');

    // Assess
    expect(value).toBeUndefined();
  });

  it.each(['null', '"a string"', '42'])(
    'refuses a secret whose value is %s, not a JSON object',
    async (text) => {
      // Prepare
      onAws('arn:aws:secretsmanager:eu-west-1:123456789012:secret:Leadgate/gateway-secrets-AbCdEf');
      secretString = text;
      const secrets = secretsFromEnvironment('gateway');

      // Act
      const reading = secrets.get('META_APP_SECRET');

      // Assess
      await expect(reading).rejects.toThrow('the secret must be a JSON object');
    },
  );
});
