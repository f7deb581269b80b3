import { type CommandContext, stringOption } from '#cli/command.ts';
import { queueTarget } from '#cli/dlq.ts';
import { CliError, type Io, plural, printJson, styles, table, utcTime } from '#cli/io.ts';
import { sparkline } from '#cli/sparkline.ts';
import { notRunning, readRuntimeState } from '#cli/workspace.ts';
import type { ActivitySnapshot } from '#local/dashboard/activity.ts';
import type { AttemptSummary, LocalStatus, QueueDepth } from '#local/dashboard/status.ts';

/** How many recent attempts the readable output lists. */
const SHOWN = 10;
/** How many minutes of activity the readable output draws (one character each). */
const MINUTES = 60;

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
  const activity = await readActivity(gateway);
  const queueOk = !('error' in local.queues);
  if (context.json) {
    printJson(context.io, { where: 'local', gateway, ...local, ...(activity ? { activity } : {}) });
    return queueOk ? 0 : 1;
  }
  printLocal(context.io, gateway, local);
  if (activity) printActivity(context.io, activity);
  return queueOk ? 0 : 1;
}

/** The runtime's per-minute series (`GET /_local/activity`); undefined from a runtime without it. */
async function readActivity(gateway: string): Promise<ActivitySnapshot | undefined> {
  try {
    const response = await fetch(`${gateway}/_local/activity`, { signal: AbortSignal.timeout(10_000) });
    return response.ok ? ((await response.json()) as ActivitySnapshot) : undefined;
  } catch {
    return undefined;
  }
}

/** The dashboard's charts as sparklines: the last `MINUTES` minutes, one character a minute. */
function printActivity(io: Io, activity: ActivitySnapshot): void {
  const style = styles(io);
  const recent = <T>(values: readonly T[]) => values.slice(-MINUTES);
  const total = (values: readonly number[]) => recent(values).reduce((sum, value) => sum + value, 0);
  const minutes = Math.min(MINUTES, activity.leads.total.length);
  const from = new Date(Date.parse(activity.to) - (minutes - 1) * activity.bucketSeconds * 1000);
  io.out('');
  io.out(
    `Last ${minutes} minutes, one character a minute, ${utcTime(from.toISOString()).slice(11, 16)} to ` +
      `${utcTime(activity.to).slice(11, 16)} UTC`,
  );
  const sources = Object.entries(activity.leads.bySource).filter(([, values]) => total(values) > 0);
  const leadsMax = Math.max(0, ...sources.flatMap(([, values]) => recent(values)));
  const rows: string[][] = sources.map(([source, values]) => [
    `  leads ${source}`,
    String(total(values)),
    style.bold(sparkline(recent(values), leadsMax)),
  ]);
  if (sources.length === 0) rows.push(['  leads', '0', '']);
  const { delivered, retrying, deadLettered } = activity.outcomes;
  rows.push(['  delivered', String(total(delivered)), style.ok(sparkline(recent(delivered)))]);
  rows.push(['  retrying', String(total(retrying)), style.warn(sparkline(recent(retrying)))]);
  rows.push(['  dead-lettered', String(total(deadLettered)), style.bad(sparkline(recent(deadLettered)))]);
  const { p50, p95 } = activity.latencyMs;
  const latencyMax = Math.max(0, ...recent(p95).map((value) => value ?? 0));
  const latest = (values: readonly (number | null)[]) =>
    [...recent(values)].reverse().find((value) => value !== null) ?? null;
  rows.push(['  latency p50', duration(latest(p50)), sparkline(recent(p50), latencyMax)]);
  rows.push(['  latency p95', duration(latest(p95)), sparkline(recent(p95), latencyMax)]);
  io.out(table(rows));
  io.out(style.dim('  (counts: the whole window; latency: accepted → Onpipeline 201, the latest minute)'));
}

function duration(ms: number | null): string {
  if (ms === null) return '-';
  return ms < 1000
    ? `${ms} ms`
    : ms < 60_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${(ms / 60_000).toFixed(1)} min`;
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
          utcTime(attempt.at),
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
  const replayed = attempt.duplicateOf
    ? ` (duplicate of ${attempt.duplicateOf}: not sent)`
    : attempt.replayed
      ? ' (already sent)'
      : '';
  const notes = `${replayed}${attempt.test ? ' (test)' : ''}`;
  return `${attempt.outcome}${status}${notes}`;
}

function detail(attempt: AttemptSummary): string {
  if (attempt.onpipelineLeadId) return `Onpipeline LeadID ${attempt.onpipelineLeadId}`;
  const text = [attempt.reason, attempt.message].filter(Boolean).join(': ');
  return text.length > 70 ? `${text.slice(0, 69)}…` : text;
}

async function awsStatus(context: CommandContext): Promise<number> {
  const target = await queueTarget(context.io, context.space, context.values);
  const { queueDepth } = await import('#shared/queue/depth.ts');
  const depth = (url: string): Promise<QueueDepth> => queueDepth(target.sqs, url);
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
