import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { listenOnLoopback } from '#local/loopback.ts';

/**
 * Local stand-ins for the AWS services the functions call, for the deploy rehearsal
 * (docs/operations.md, "Deploy rehearsal"). Every server binds 127.0.0.1 only.
 */

export interface StandIn {
  endpoint: string;
  stop(): Promise<void>;
}

/** One secret as the stand-in serves it. */
export interface LocalSecret {
  arn: string;
  name: string;
  value: string;
}

/**
 * Secrets Manager's `GetSecretValue` over the AWS JSON 1.1 protocol the SDK speaks
 * (`X-Amz-Target: secretsmanager.GetSecretValue`), looking secrets up by ARN or name. Anything else is
 * answered as Secrets Manager would answer an unknown secret or action.
 *
 * @example
 * const secrets = await startSecretsManager([{ arn, name: 'Leadgate/secrets', value: '{"ONPIPELINE_TOKEN":"x"}' }]);
 * // AWS_ENDPOINT_URL_SECRETS_MANAGER=secrets.endpoint
 */
export async function startSecretsManager(
  secrets: readonly LocalSecret[],
): Promise<StandIn & { reads(): number }> {
  let reads = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: unknown) => {
        response
          .writeHead(status, { 'content-type': 'application/x-amz-json-1.1' })
          .end(JSON.stringify(body));
      };
      const target = String(request.headers['x-amz-target'] ?? '');
      if (request.method !== 'POST' || target !== 'secretsmanager.GetSecretValue') {
        answer(400, {
          __type: 'UnknownOperationException',
          message: `not served by the stand-in: ${target}`,
        });
        return;
      }
      let secretId = '';
      try {
        secretId = String(
          (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: unknown }).SecretId ?? '',
        );
      } catch {
        answer(400, { __type: 'SerializationException', message: 'the body is not JSON' });
        return;
      }
      const secret = secrets.find((candidate) => candidate.arn === secretId || candidate.name === secretId);
      if (!secret) {
        answer(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
        return;
      }
      reads++;
      answer(200, {
        ARN: secret.arn,
        Name: secret.name,
        SecretString: secret.value,
        VersionId: '00000000-0000-0000-0000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Math.floor(Date.now() / 1000),
      });
    });
  });
  const { url, close } = await listenOnLoopback(server, 0);
  return { endpoint: url, stop: close, reads: () => reads };
}

type DynaliteFactory = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => http.Server;

/** dynalite (a DynamoDB implementation over LevelDB, in memory here) on 127.0.0.1. */
export async function startDynamoDb(): Promise<
  StandIn & { createTable(input: TableDefinition): Promise<void> }
> {
  const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'rehearsal', secretAccessKey: 'rehearsal' },
  });
  return {
    endpoint,
    async createTable(table) {
      await client.send(
        new CreateTableCommand({
          TableName: table.name,
          KeySchema: table.keySchema,
          AttributeDefinitions: table.attributeDefinitions,
          // dynalite wants a throughput; the billing mode changes nothing for a rehearsal
          ProvisionedThroughput: { ReadCapacityUnits: 100, WriteCapacityUnits: 100 },
        }),
      );
    },
    async stop() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface TableDefinition {
  name: string;
  keySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  attributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
}
