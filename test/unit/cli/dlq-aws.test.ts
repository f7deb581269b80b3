import { describe, expect, it } from 'vitest';
import { bufferIo } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';
import { fakeSqs, parkedOnce } from '#test/support/sqs-aws.ts';

const LEADS_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/leadgate-leads';
const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/leadgate-leads-dlq';
const arnOf = (url: string) => `arn:aws:sqs:eu-west-1:123456789012:${url.split('/').pop()}`;

const aws = ['--queue-url', LEADS_URL, '--dlq-url', DLQ_URL, '--region', 'eu-west-1'];

describe('leadgate dlq and status against AWS', () => {
  it('redrives everything with an SQS move task and follows its progress', async () => {
    // Prepare
    const progress = [
      { Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 10, ApproximateNumberOfMessagesToMove: 25 },
      { Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 25, ApproximateNumberOfMessagesToMove: 25 },
    ];
    const sqs = fakeSqs({
      GetQueueAttributes: (input) => ({ Attributes: { QueueArn: arnOf(String(input.QueueUrl)) } }),
      StartMessageMoveTask: () => ({ TaskHandle: 'eyJ0YXNrSWQiOiIxMjM0NTY3ODkwIn0=' }),
      ListMessageMoveTasks: () => ({ Results: [progress.shift() ?? { Status: 'COMPLETED' }] }),
    });
    let region: string | undefined;
    const io = bufferIo({
      env: { LEADGATE_MOVE_TASK_POLL_MS: '1' },
      awsSqs: (wanted) => {
        region = wanted;
        return sqs.client;
      },
    });

    // Act
    const code = await main(['dlq', 'redrive', '--all', '--move-task', ...aws], io);

    // Assess
    expect(code).toBe(0);
    expect(region).toBe('eu-west-1');
    expect(sqs.sent.find((item) => item.name === 'StartMessageMoveTask')?.input).toEqual({
      SourceArn: arnOf(DLQ_URL),
      DestinationArn: arnOf(LEADS_URL),
    });
    expect(io.stderr()).toContain('moved 10 of 25...');
    expect(io.stdout()).toContain('SQS moved 25 leads back to the leads queue');
  });

  it('fails when the move task fails, and refuses --move-task without --all or with filters', async () => {
    // Prepare
    const sqs = fakeSqs({
      GetQueueAttributes: (input) => ({ Attributes: { QueueArn: arnOf(String(input.QueueUrl)) } }),
      StartMessageMoveTask: () => ({ TaskHandle: 'handle' }),
      ListMessageMoveTasks: () => ({
        Results: [{ Status: 'FAILED', FailureReason: 'AWS.SimpleQueueService.NonExistentQueue' }],
      }),
    });
    const failing = bufferIo({ awsSqs: () => sqs.client });
    const withoutAll = bufferIo({ awsSqs: () => sqs.client });
    const filtered = bufferIo({ awsSqs: () => sqs.client });

    // Act
    const failedCode = await main(['dlq', 'redrive', '--all', '--move-task', '--json', ...aws], failing);
    const withoutAllCode = await main(['dlq', 'redrive', '--source', 'x', '--move-task', ...aws], withoutAll);
    const filteredCode = await main(
      ['dlq', 'redrive', '--all', '--reason', 'r', '--move-task', ...aws],
      filtered,
    );

    // Assess
    expect(failedCode).toBe(1);
    expect(JSON.parse(failing.stdout())).toMatchObject({ status: 'FAILED', moved: 0 });
    expect(withoutAllCode).toBe(2);
    expect(filteredCode).toBe(2);
    expect(filtered.stderr()).toContain('use it with --all and no --source, --reason or --max');
  });

  it('lists parked leads on AWS with their reasons, never their field values', async () => {
    // Prepare
    const envelope = {
      v: 1,
      id: '01JLEAD',
      sourceId: 'demo-contact',
      channel: 'form',
      receivedAt: '2025-01-01T10:00:00.000Z',
      dedupeKey: 'form:01JLEAD',
      fields: { first_name: 'Ana', email: 'ana@example.test' },
      context: {},
    };
    const parked = () =>
      parkedOnce(envelope, {
        reason: 'onpipeline_rejected',
        status: '406',
        message: 'Invalid e-mail ana@example.test',
        attempts: '1',
      });
    const io = bufferIo({ awsSqs: parked });
    const json = bufferIo({ awsSqs: parked });

    // Act
    const code = await main(['dlq', 'list', '--dlq-url', DLQ_URL], io);
    await main(['dlq', 'list', '--json', '--dlq-url', DLQ_URL], json);

    // Assess
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/m-1\s+demo-contact\s+onpipeline_rejected\s+1/);
    expect(io.stdout()).toContain('Invalid e-mail [email]');
    expect(io.stdout()).not.toContain('Ana');
    const listed = JSON.parse(json.stdout());
    expect(listed.deadLetters[0]).toMatchObject({
      messageId: 'm-1',
      leadId: '01JLEAD',
      reason: 'onpipeline_rejected',
    });
    expect(JSON.stringify(listed)).not.toMatch(/Ana|ana@/);
  });

  it('shows queue depths on AWS', async () => {
    // Prepare
    const depths: Record<string, Record<string, string>> = {
      [LEADS_URL]: { ApproximateNumberOfMessages: '4', ApproximateNumberOfMessagesNotVisible: '2' },
      [DLQ_URL]: { ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '0' },
    };
    const sqs = fakeSqs({ GetQueueAttributes: (input) => ({ Attributes: depths[String(input.QueueUrl)] }) });
    const io = bufferIo({ awsSqs: () => sqs.client });

    // Act
    const code = await main(['status', '--json', ...aws], io);

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout())).toEqual({
      where: 'aws',
      queues: { leads: { visible: 4, inFlight: 2 }, deadLetter: { visible: 3, inFlight: 0 } },
    });
  });
});
