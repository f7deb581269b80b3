import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { type Runtime, type RuntimeOptions, startRuntime } from '#local/runtime.ts';
import { sqsClient } from '#shared/queue/client.ts';

/** A scratch folder with a copy of the shipped sources plus any extra source files a test needs. */
export function testWorkspace(extraSources: Record<string, string> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'leadgate-it-'));
  const sourcesDir = join(root, 'sources');
  cpSync('sources', sourcesDir, { recursive: true });
  for (const [id, yaml] of Object.entries(extraSources)) writeFileSync(join(sourcesDir, `${id}.yaml`), yaml);
  return {
    root,
    sourcesDir,
    dataDir: join(root, 'state'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A custom field id the Onpipeline sandbox knows (the shipped demo's), to fix a `noteSource`. */
export const KNOWN_CUSTOM_FIELD_ID = '1411084438';

/**
 * A form source that sends the `note` field to the custom field `customFieldId`: with an id the
 * Onpipeline sandbox does not know (the default, `999999`) every lead is refused (406) and
 * dead-lettered, until the file is saved with a known one (`KNOWN_CUSTOM_FIELD_ID`).
 *
 * @example
 * const workspace = testWorkspace({ 'spring-offer': noteSource() });
 * writeFileSync(join(workspace.sourcesDir, 'spring-offer.yaml'), noteSource(KNOWN_CUSTOM_FIELD_ID));
 */
export const noteSource = (customFieldId = '999999') => `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: last_name
  Extra:
    - { id: "${customFieldId}", from: note }
`;

/** The real one-machine runtime on free loopback ports, with fast polling for tests. */
export function startTestRuntime(workspace: ReturnType<typeof testWorkspace>, options: RuntimeOptions = {}) {
  return startRuntime({
    port: 0,
    sandboxPort: 0,
    queuePort: 0,
    dataDir: workspace.dataDir,
    sourcesDir: workspace.sourcesDir,
    pollWaitSeconds: 1,
    ...options,
  });
}

/** Waits until `check` returns a truthy value (bounded). */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Posts a classic urlencoded form the way a browser on the demo page does. */
export function postForm(
  runtime: Runtime,
  sourceId: string,
  fields: Record<string, string | string[]>,
  headers = {},
) {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  }
  return fetch(`${runtime.gatewayUrl}/v1/forms/${sourceId}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: runtime.gatewayUrl, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
}

/** Every message waiting in the DLQ (received with a short visibility, so they stay there). */
export async function deadLetters(runtime: Runtime) {
  const sqs = sqsClient(runtime.queueEndpoint);
  try {
    const answer = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: runtime.queueUrls.deadLetterUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 1,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 0,
      }),
    );
    return answer.Messages ?? [];
  } finally {
    sqs.destroy();
  }
}

/**
 * Waits until the leads queue holds nothing: no message visible, in flight (being delivered or waiting
 * out a retry delay) or delayed. A lead capture queued before this is then either delivered, parked or
 * dropped, and shows in `recentAttempts()`: the definite event before checking that nothing else happened.
 */
export async function queueDrained(runtime: Runtime, timeoutMs = 15_000): Promise<void> {
  const sqs = sqsClient(runtime.queueEndpoint);
  try {
    await eventually(
      async () => {
        const answer = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: runtime.queueUrls.leadsUrl,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
              'ApproximateNumberOfMessagesDelayed',
            ],
          }),
        );
        return Object.values(answer.Attributes ?? {}).every((count) => count === '0');
      },
      timeoutMs,
      'the leads queue to drain',
    );
  } finally {
    sqs.destroy();
  }
}

/** The delivery attempts of leads whose field `name` is `value` (what deliver saw of them, if anything). */
export function attemptsFor(runtime: Runtime, name: string, value: string) {
  return runtime.recentAttempts().filter((attempt) => attempt.envelope?.fields[name] === value);
}

/**
 * The first recorded delivery attempt of the lead whose input field `name` is `value`, once the runtime
 * has it: deliver reports an attempt after Onpipeline answered (and after its idempotency write), and
 * the report crosses from the delivery thread, so a lead can be at the sandbox a moment before.
 */
export function attemptFor(runtime: Runtime, name: string, value: string) {
  return eventually(() => attemptsFor(runtime, name, value)[0], 10_000, `the attempt of ${name}=${value}`);
}

/**
 * Waits until the runtime's source registry maps a lead of `sourceId` the way `reloaded` expects: the
 * definite event after editing a source file (the registry notices edits within about a second),
 * seen through the dashboard's mapping playground, which reads the same registry as deliver.
 */
export async function sourceReloaded(
  runtime: Runtime,
  sourceId: string,
  fields: Record<string, string>,
  reloaded: (body: Record<string, unknown>) => boolean,
): Promise<void> {
  await eventually(
    async () => {
      const response = await fetch(`${runtime.gatewayUrl}/_local/preview`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
        body: JSON.stringify({ sourceId, payload: JSON.stringify(fields) }),
      });
      const preview = (await response.json()) as {
        leads?: { ok: boolean; body?: Record<string, unknown> }[];
      };
      const body = preview.leads?.[0]?.body;
      return body !== undefined && reloaded(body);
    },
    10_000,
    `the edited source ${sourceId}`,
  );
}

/**
 * A raw HTTP request, for what `fetch` will not send: a foreign `Host`, `Sec-Fetch-*` headers.
 *
 * @example
 * const answer = await rawRequest(`${runtime.gatewayUrl}/`, { headers: { host: 'evil.example' } });
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/**
 * The leads the runtime's Onpipeline sandbox received, oldest first (none without a sandbox). The
 * sandbox runs in the delivery thread, so this is a message there and back.
 */
export async function sandboxLeads(runtime: Pick<Runtime, 'sandbox'>) {
  return (await runtime.sandbox?.leads()) ?? [];
}
