import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';
import type { Runtime } from '#local/runtime.ts';
import type { Envelope } from '#shared/envelope.ts';
import { sqsClient } from '#shared/queue/client.ts';
import { eventually, postForm, startTestRuntime, testWorkspace } from '#test/support/runtime.ts';

const ANA = { email: 'ana.erase@example.test', phone: '+34 600 111 222' };

const person = (first: string, extra: Record<string, string>) => ({
  first_name: first,
  last_name: 'Tester',
  ...extra,
});

const parked = (id: string, fields: Envelope['fields']): Envelope => ({
  v: 1,
  id,
  sourceId: 'demo-contact',
  channel: 'form',
  receivedAt: '2026-01-01T10:00:00.000Z',
  dedupeKey: `form:${id}`,
  fields,
  context: { source: 'demo-contact' },
});

describe('leadgate erase on one machine', () => {
  const workspace = testWorkspace();
  let runtime: Runtime;
  let sqs: ReturnType<typeof sqsClient>;

  const leadgate = async (args: string[]) => {
    const io = bufferIo({ cwd: workspace.root, env: {} });
    const code = await main(
      [...args, '--data-dir', workspace.dataDir, '--sources', workspace.sourcesDir],
      io,
    );
    return { code, out: io.stdout(), err: io.stderr() };
  };

  /** Every envelope waiting in a queue (received with a 1 s hold, so they come back). */
  const waiting = async (queueUrl: string) => {
    const bodies = new Map<string, Envelope>();
    for (let round = 0; round < 5; round++) {
      const answer = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 1 }),
      );
      for (const message of answer.Messages ?? [])
        bodies.set(message.MessageId as string, JSON.parse(message.Body ?? '') as Envelope);
      if ((answer.Messages ?? []).length === 0) break;
    }
    return [...bodies.values()];
  };

  beforeAll(async () => {
    runtime = await startTestRuntime(workspace);
    sqs = sqsClient(runtime.queueEndpoint);
  });
  afterAll(async () => {
    sqs?.destroy();
    await runtime?.stop();
    workspace.cleanup();
  });

  it('keeps no personal data in the idempotency records of delivered leads', async () => {
    // Prepare
    const ida = { email: 'ida.private@example.test', phone: '+34 611 222 333' };
    await postForm(runtime, 'demo-contact', person('Idaline', { ...ida, company: 'Idaline Private SL' }));
    await eventually(
      () =>
        runtime
          .recentAttempts()
          .some(
            (attempt) =>
              attempt.envelope?.fields.first_name === 'Idaline' && attempt.outcome.kind === 'delivered',
          ),
      15_000,
      'the delivery',
    );

    // Act
    const rows = await eventually(() => {
      const db = new DatabaseSync(join(workspace.dataDir, 'idempotency.sqlite'), { readOnly: true });
      try {
        const all = db.prepare("SELECT * FROM idempotency WHERE status = 'COMPLETED'").all();
        return all.length > 0 ? all : undefined;
      } finally {
        db.close();
      }
    });

    // Assess
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows).toLowerCase();
    // whole values only: a short digit run such as '611' also occurs in timestamps and hashes
    for (const personal of ['idaline', 'ida.private', '611222333', '611 222 333', 'tester', 'private sl']) {
      expect(stored).not.toContain(personal);
    }
  });

  it('deletes the person’s envelopes from both queues, keeps the others, and the dashboard forgets them', async () => {
    // Prepare: two delivered leads (Ana's and Bo's) in the dashboard's recent leads
    await postForm(runtime, 'demo-contact', person('Ana', { email: ANA.email }));
    await postForm(runtime, 'demo-contact', person('Bo', { email: 'bo@example.test' }));
    const delivered = () => runtime.recentAttempts().map((attempt) => attempt.envelope?.fields.first_name);
    await eventually(
      () => delivered().includes('Ana') && delivered().includes('Bo'),
      15_000,
      'two deliveries',
    );
    await runtime.poller?.stop();
    // The stopped poller's last long poll may still be open in the queue and take the next message:
    // send canaries until one reaches us, so the leads below all wait in the queue.
    await eventually(
      async () => {
        const queueUrl = runtime.queueUrls.leadsUrl;
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'canary' }));
        const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 30 }));
        for (const message of got.Messages ?? []) {
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
          );
        }
        return (got.Messages ?? []).length > 0;
      },
      10_000,
      "the stopped poller's last long poll to end",
    );
    // ... then leads that wait in the queue (no poller) and in the DLQ
    for (const fields of [
      person('Ana', { email: 'ANA.Erase@Example.TEST' }),
      person('Ana', { phone: '(+34) 600-111-222' }),
      person('Hana', { email: 'hana.erase@example.test', phone: '+34 600 111 223' }),
      person('Cy', { email: 'cy@example.test' }),
    ]) {
      expect((await postForm(runtime, 'demo-contact', fields, { accept: 'application/json' })).status).toBe(
        202,
      );
    }
    for (const envelope of [
      parked('01JERASEPARKED000000000001', { email: ` ${ANA.email.toUpperCase()} ` }),
      parked('01JERASEPARKED000000000002', { email: 'dee@example.test', phone: '600 999 888' }),
    ]) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: runtime.queueUrls.deadLetterUrl,
          MessageBody: JSON.stringify(envelope),
        }),
      );
    }

    // Act
    const result = await leadgate(['erase', '--email', ANA.email, '--phone', ANA.phone, '--json']);

    // Assess
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out);
    expect(report).toMatchObject({
      complete: true,
      removed: 3,
      leads: { scanned: 4, complete: true },
      deadLetters: { scanned: 2, complete: true },
      dashboard: { forgotten: 1 },
    });
    expect(report.leads.removed).toHaveLength(2);
    expect(report.deadLetters.removed).toHaveLength(1);
    const left = await eventually(async () => {
      const leads = await waiting(runtime.queueUrls.leadsUrl);
      return leads.length === 2 ? leads : undefined;
    });
    expect(left.map((envelope) => envelope.fields.first_name).sort()).toEqual(['Cy', 'Hana']);
    const parkedLeft = await eventually(async () => {
      const letters = await waiting(runtime.queueUrls.deadLetterUrl);
      return letters.length === 1 ? letters : undefined;
    });
    expect(parkedLeft[0]?.id).toBe('01JERASEPARKED000000000002');
    expect(delivered()).toContain('Bo');
    expect(delivered()).not.toContain('Ana');
    expect(result.err).toContain('scanning leads...');
    expect(result.err).toContain('leads-dlq: scanned 2, removed 1');
    for (const output of [result.out, result.err]) {
      expect(output.toLowerCase()).not.toContain('ana.erase');
      expect(output).not.toContain('111');
    }
  });

  it('refuses to run without a person, or with something that is not an address or a number', async () => {
    // Act
    const nobody = await leadgate(['erase']);
    const notAnEmail = await leadgate(['erase', '--email', 'ana-at-example']);
    const tooShort = await leadgate(['erase', '--phone', '12-34']);

    // Assess
    expect(nobody.code).toBe(2);
    expect(notAnEmail.code).toBe(2);
    expect(notAnEmail.err).toContain('--email number 1 is not an e-mail address');
    expect(notAnEmail.err).not.toContain('ana-at-example');
    expect(tooShort.code).toBe(2);
  });

  it('refuses a cross-site request to forget leads on the dashboard', async () => {
    // Act
    const answer = await fetch(`${runtime.gatewayUrl}/_local/erase`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ emails: ['bo@example.test'] }),
    });

    // Assess
    expect(answer.status).toBe(403);
    expect((await answer.json()).error.code).toBe('cross_site_request');
    expect(
      runtime.recentAttempts().some((attempt) => attempt.envelope?.fields.email === 'bo@example.test'),
    ).toBe(true);
  });
});
