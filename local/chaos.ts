import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { type Runtime, startRuntime } from '#local/runtime.ts';
import type { SandboxFaults } from '#local/sandbox/server.ts';
import { sqsClient } from '#shared/queue/client.ts';
import { deadLetterQueue } from '#shared/queue/dlq.ts';

export interface ChaosOptions {
  leads: number;
  faults: SandboxFaults;
  /** Concurrent senders posting the leads; default 20. */
  concurrency?: number;
  /** Give up waiting for the outcome after this long; default 120 s. */
  timeoutMs?: number;
  onProgress?: (line: string) => void;
}

export interface ChaosReport {
  leads: number;
  accepted: number;
  delivered: number;
  duplicated: number;
  deadLettered: number;
  lost: number;
  faultsInjected: Record<string, number>;
  ambiguousAttempts: number;
  seconds: number;
}

const CHAOS_SOURCE = `channel: form
description: leads posted by the chaos run
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: last_name
`;

/**
 * The fault scenario: a fresh one-machine runtime whose Onpipeline sandbox injects faults, `leads`
 * leads posted to it, then a count of what became of each one: delivered once, delivered more than
 * once (duplicated), parked in the DLQ, or lost (accepted but nowhere). Loopback only, bounded in time.
 *
 * @example
 * const report = await runChaos({ leads: 500, faults: { error500: 0.1, rateLimit429: 0.1 } });
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const root = mkdtempSync(join(tmpdir(), 'leadgate-chaos-'));
  const sourcesDir = join(root, 'sources');
  mkdirSync(sourcesDir);
  writeFileSync(join(sourcesDir, 'chaos.yaml'), CHAOS_SOURCE);
  const progress = options.onProgress ?? (() => undefined);
  const started = Date.now();
  let runtime: Runtime | undefined;
  try {
    runtime = await startRuntime({
      port: 0,
      sandboxPort: 0,
      queuePort: 0,
      dataDir: join(root, 'state'),
      sourcesDir,
      pollWaitSeconds: 1,
      visibilityTimeoutSeconds: 5,
      onpipelineTimeoutMs: 1000,
      retryDelay: ({ retryAfterSeconds }) => Math.max(1, retryAfterSeconds ?? 0),
      sandboxFaults: { retryAfterSeconds: 1, slowMs: 3000, ...options.faults },
    });
    const accepted = await postLeads(runtime, options.leads, options.concurrency ?? 20, progress);
    progress(`accepted ${accepted.size} of ${options.leads} leads; waiting for delivery...`);

    const sqs = sqsClient(runtime.queueEndpoint);
    const dlq = deadLetterQueue(sqs, runtime.queueUrls);
    const deadline = started + (options.timeoutMs ?? 120_000);
    const settled = async () => {
      const delivered = new Set(((await runtime?.sandbox?.leads()) ?? []).map((lead) => lead.body.LastName));
      const { visible, inFlight } = await dlq.depth();
      return [...accepted].filter((name) => delivered.has(name)).length + visible + inFlight;
    };
    let done = await settled();
    while (Date.now() < deadline && done < accepted.size) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      done = await settled();
      progress(`settled ${done} of ${accepted.size} (delivered or dead-lettered)`);
    }
    // Late duplicates (an ambiguous attempt retried after the count) show up by the time the leads
    // queue holds nothing more: no message visible, in flight or waiting out a retry delay.
    const leadsLeft = async () => {
      const answer = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: runtime?.queueUrls.leadsUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      return Object.values(answer.Attributes ?? {}).reduce((sum, count) => sum + Number(count), 0);
    };
    while (Date.now() < deadline && (await leadsLeft()) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const counts = await tally(runtime, dlq, accepted);
    sqs.destroy();
    const stats = await runtime.sandbox?.stats();
    // deliver counts in its own thread: a fresh runtime, so every count is this run's
    const ambiguous = (await runtime.deliveryCounters()).delivery_ambiguous ?? 0;
    const reached = new Set([...counts.delivered, ...counts.parked]);
    return {
      leads: options.leads,
      accepted: accepted.size,
      delivered: counts.delivered.size,
      duplicated: counts.duplicates,
      deadLettered: counts.parked.size,
      lost: [...accepted].filter((name) => !reached.has(name)).length,
      faultsInjected: stats?.faultsInjected ?? {},
      ambiguousAttempts: ambiguous,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    await runtime?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function postLeads(
  runtime: Runtime,
  total: number,
  concurrency: number,
  progress: (line: string) => void,
) {
  const accepted = new Set<string>();
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const lastName = `chaos-${index}`;
      for (let tries = 0; tries < 5; tries++) {
        const response = await fetch(`${runtime.gatewayUrl}/v1/forms/chaos`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ first_name: 'Chaos', last_name: lastName }),
        }).catch(() => undefined);
        await response?.arrayBuffer();
        if (response?.status === 202) {
          accepted.add(lastName);
          break;
        }
      }
      if ((index + 1) % 500 === 0) progress(`posted ${index + 1} of ${total}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return accepted;
}

async function tally(runtime: Runtime, dlq: ReturnType<typeof deadLetterQueue>, accepted: Set<string>) {
  const seen = new Map<string, number>();
  for (const lead of (await runtime.sandbox?.leads()) ?? [])
    seen.set(lead.body.LastName, (seen.get(lead.body.LastName) ?? 0) + 1);
  const parked = new Set<string>();
  for (const letter of await dlq.list(accepted.size)) {
    const name = letter.envelope?.fields.last_name;
    if (typeof name === 'string') parked.add(name);
  }
  const delivered = new Set([...seen.keys()].filter((name) => accepted.has(name)));
  const duplicates = [...seen.values()].reduce((sum, times) => sum + Math.max(0, times - 1), 0);
  return { delivered, parked, duplicates };
}
