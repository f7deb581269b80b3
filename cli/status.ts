import type { AttemptSummary, LocalStatus, QueueDepth } from '#local/dashboard/status.ts';
import { type CommandContext, stringOption } from './command.ts';
import { queueTarget } from './dlq.ts';
import { CliError, type Io, plural, printJson, styles, table } from './io.ts';
import { notRunning, readRuntimeState } from './workspace.ts';

/** How many recent attempts the readable output lists. */
const SHOWN = 10;

/**
 * `leadgate status`: queue depths, the DLQ count and recent delivery outcomes. Locally it reads the
 * dashboard's `GET /_local/status`; on AWS (`--dlq-url`, `--queue-url`) it asks SQS for the depths.
 * Exit 1 when leadgate or its queue cannot be reached.
 */
export async function status(context: CommandContext): Promise<number> {
  const { values } = context;
  if (stringOption(values, 'dlq-url') || stringOption(values, 'queue-url')) return awsStatus(context);
  const gateway = (
    stringOption(values, 'gateway') ??
    readRuntimeState(context.space, 'Or pass --dlq-url and --queue-url for the queues on AWS.').gatewayUrl
  ).replace(/\/+$/, '');
  let response: Response;
  try {
    response = await fetch(`${gateway}/_local/status`, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw notRunning(gateway, error);
  }
  if (!response.ok) {
    throw new CliError(
      `${gateway}/_local/status answered ${response.status}: is this a local leadgate runtime?`,
    );
  }
  const local = (await response.json()) as LocalStatus;
  const queueOk = !('error' in local.queues);
  if (context.json) {
    printJson(context.io, { where: 'local', gateway, ...local });
    return queueOk ? 0 : 1;
  }
  printLocal(context.io, gateway, local);
  return queueOk ? 0 : 1;
}

function printLocal(io: Io, gateway: string, local: LocalStatus): void {
  const style = styles(io);
  io.out(`${style.bold('leadgate')} on this machine: ${gateway}  (dashboard: ${gateway}/)`);
  io.out('');
  if ('error' in local.queues) io.out(style.bad(`✘ queues: ${local.queues.error}`));
  else printDepths(io, local.queues.leads, local.queues.deadLetter);
  io.out('');
  const { total, byOutcome, attempts } = local.recent;
  if (total === 0) {
    io.out('No delivery attempts since leadgate started.');
    return;
  }
  const counts = Object.entries(byOutcome)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
  io.out(`Recent delivery attempts (${total}): ${counts}`);
  io.out(
    table([
      ['TIME', 'SOURCE', 'LEAD', 'OUTCOME', 'DETAIL'],
      ...attempts
        .slice(0, SHOWN)
        .map((attempt) => [
          attempt.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
          attempt.sourceId ?? '?',
          attempt.leadId ?? '?',
          outcomeText(attempt),
          detail(attempt),
        ]),
    ]),
  );
}

function printDepths(io: Io, leads: QueueDepth, deadLetter: QueueDepth): void {
  const style = styles(io);
  io.out(
    `leads queue   ${plural(leads.visible, 'lead')} waiting, ${leads.inFlight} in flight or waiting to retry`,
  );
  const parked = deadLetter.visible + deadLetter.inFlight;
  const line = `dead letters  ${plural(parked, 'lead')} parked`;
  io.out(parked > 0 ? style.warn(`${line}: leadgate dlq list`) : line);
}

function outcomeText(attempt: AttemptSummary): string {
  const status = attempt.status ? ` ${attempt.status}` : '';
  const notes = `${attempt.replayed ? ' (already sent)' : ''}${attempt.test ? ' (test)' : ''}`;
  return `${attempt.outcome}${status}${notes}`;
}

function detail(attempt: AttemptSummary): string {
  if (attempt.onpipelineLeadId) return `Onpipeline LeadID ${attempt.onpipelineLeadId}`;
  const text = [attempt.reason, attempt.message].filter(Boolean).join(': ');
  return text.length > 70 ? `${text.slice(0, 69)}…` : text;
}

async function awsStatus(context: CommandContext): Promise<number> {
  const target = await queueTarget(context.io, context.space, context.values);
  const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const depth = async (url: string): Promise<QueueDepth> => {
    const answer = await target.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const attributes = answer.Attributes ?? {};
    return {
      visible: Number(attributes.ApproximateNumberOfMessages ?? 0),
      inFlight:
        Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  };
  try {
    const deadLetter = await depth(target.deadLetterUrl);
    const leads = target.leadsUrl ? await depth(target.leadsUrl) : undefined;
    if (context.json) {
      printJson(context.io, { where: 'aws', queues: { ...(leads ? { leads } : {}), deadLetter } });
      return 0;
    }
    context.io.out(`${styles(context.io).bold('leadgate')} on AWS`);
    if (leads) printDepths(context.io, leads, deadLetter);
    else context.io.out(`dead letters  ${plural(deadLetter.visible + deadLetter.inFlight, 'lead')} parked`);
    context.io.out(
      styles(context.io).dim('recent delivery outcomes: see the deliver function in CloudWatch'),
    );
    return 0;
  } catch (error) {
    throw new CliError(`SQS: ${(error as Error).name}: ${(error as Error).message}`);
  } finally {
    target.close();
  }
}
