import { type CommandContext, type OptionValues, stringOption } from '#cli/command.ts';
import { positiveInteger, withTarget } from '#cli/dlq.ts';
import { CliError, plural, printJson, styles, UsageError } from '#cli/io.ts';
import { notRunning, readRuntimeState } from '#cli/workspace.ts';
import { settleDeadLetters } from '#local/embedded-sqs.ts';
import { envelopeMatches, erasureSubject, isEmailLike, isPhoneLike } from '#shared/erasure.ts';
import { type SweepResult, sweepQueue } from '#shared/queue/erase.ts';

/** Default bounds of one erase: messages received per queue, and seconds for the whole sweep. */
const DEFAULT_MAX_MESSAGES = 10_000;
const DEFAULT_TIME_BUDGET_SECONDS = 120;

function many(values: OptionValues, name: string): string[] {
  const value = values[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string');
}

/**
 * `leadgate erase --email A [--phone N]...`: a person asked to be forgotten. Finds the envelopes whose
 * input fields hold one of their addresses (case-insensitive) or numbers (same digits) in `leads` and
 * `leads-dlq` and deletes them (receive → match → delete; every other message is given back
 * untouched), then makes the local dashboard forget their recent leads. Progress on stderr; the report
 * says counts and message ids, never the values. Bounded by `--max-messages` and `--time-budget`.
 * See docs/operations.md, "Erasure (GDPR)".
 */
export async function erase(context: CommandContext): Promise<number> {
  const { io, values } = context;
  const emails = many(values, 'email');
  const phones = many(values, 'phone');
  if (emails.length + phones.length === 0) {
    throw new UsageError('say whose leads to erase: --email ADDRESS and/or --phone NUMBER (each may repeat)');
  }
  emails.forEach((email, index) => {
    if (!isEmailLike(email)) throw new UsageError(`--email number ${index + 1} is not an e-mail address`);
  });
  phones.forEach((phone, index) => {
    if (!isPhoneLike(phone)) throw new UsageError(`--phone number ${index + 1} has fewer than 6 digits`);
  });
  const maxMessages = positiveInteger(values, 'max-messages') ?? DEFAULT_MAX_MESSAGES;
  const budgetSeconds = positiveInteger(values, 'time-budget') ?? DEFAULT_TIME_BUDGET_SECONDS;
  const deadline = Date.now() + budgetSeconds * 1000;
  const subject = erasureSubject({ emails, phones });

  const swept = await withTarget(context, async (target) => {
    if (!target.leadsUrl) throw new UsageError('erase on AWS needs --queue-url (the leads queue) too');
    const sweep = async (label: string, url: string): Promise<SweepResult> => {
      io.err(`scanning ${label}...`);
      let last = Date.now();
      const result = await sweepQueue(target.sqs, url, {
        matches: (envelope) => envelopeMatches(subject, envelope),
        maxMessages,
        deadline,
        onProgress: ({ scanned, removed }) => {
          if (Date.now() - last < 1000) return;
          last = Date.now();
          io.err(`${label}: scanned ${scanned}, removed ${removed}...`);
        },
      });
      io.err(
        `${label}: scanned ${result.scanned}, removed ${result.removed.length}` +
          (result.complete ? '' : ' (stopped at --max-messages or --time-budget)'),
      );
      return result;
    };
    const leads = await sweep('leads', target.leadsUrl);
    // Parked leads a recent listing holds are invisible for a moment: let them come back first.
    if (target.where === 'local') await settleDeadLetters(target.sqs, target.deadLetterUrl);
    const deadLetters = await sweep('leads-dlq', target.deadLetterUrl);
    return { where: target.where, leads, deadLetters };
  });

  const dashboard = swept.where === 'local' ? await forgetOnDashboard(context, emails, phones) : undefined;
  const complete = swept.leads.complete && swept.deadLetters.complete;
  const removed = swept.leads.removed.length + swept.deadLetters.removed.length;
  if (context.json) {
    printJson(io, {
      complete,
      removed,
      leads: swept.leads,
      deadLetters: swept.deadLetters,
      dashboard: dashboard ?? null,
    });
    return complete ? 0 : 1;
  }
  const style = styles(io);
  const line = (label: string, result: SweepResult) =>
    `  ${label.padEnd(10)} scanned ${result.scanned}, removed ${result.removed.length}` +
    (result.removed.length > 0 ? `: ${result.removed.join(', ')}` : '');
  io.out(
    complete
      ? `${style.ok('✔')} erased ${plural(removed, 'queued lead')}`
      : style.bad(
          `✘ incomplete: removed ${plural(removed, 'queued lead')}, but the sweep stopped at ` +
            '--max-messages or --time-budget before the end of a queue; run it again (with higher limits)',
        ),
  );
  io.out(line('leads', swept.leads));
  io.out(line('leads-dlq', swept.deadLetters));
  if (dashboard) io.out(`  dashboard  forgot ${plural(dashboard.forgotten, 'recent lead')}`);
  io.out(
    style.dim(
      'Leads already delivered are in Onpipeline: ask Onpipeline to erase them there. Meta and LinkedIn ' +
        'leads wait in the queue as ids only (see docs/operations.md, "Erasure (GDPR)").',
    ),
  );
  return complete ? 0 : 1;
}

/** Tells the running local runtime's dashboard to forget the person's recent leads. */
async function forgetOnDashboard(
  context: CommandContext,
  emails: string[],
  phones: string[],
): Promise<{ forgotten: number }> {
  const gateway = stringOption(context.values, 'gateway') ?? readRuntimeState(context.space, '').gatewayUrl;
  let response: Response;
  try {
    response = await fetch(`${gateway}/_local/erase`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ emails, phones }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw notRunning(gateway, error);
  }
  const answer = (await response.json().catch(() => undefined)) as { forgotten?: number } | undefined;
  if (!response.ok || typeof answer?.forgotten !== 'number') {
    throw new CliError(
      `the queues were swept, but the dashboard at ${gateway} did not forget the recent leads (HTTP ${response.status}).`,
      { details: ['Restarting leadgate (npm start) also clears them: they are kept in memory only.'] },
    );
  }
  return { forgotten: answer.forgotten };
}
