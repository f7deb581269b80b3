import { GetQueueAttributesCommand, ListMessageMoveTasksCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type CommandContext, type OptionValues, stringOption } from '#cli/command.ts';
import { CliError, type Io, plural, printJson, styles, table, UsageError, utcTime } from '#cli/io.ts';
import { customFieldNames } from '#cli/sources.ts';
import { readRuntimeState, type Workspace } from '#cli/workspace.ts';
import { localSqs, settleDeadLetters } from '#local/embedded-sqs.ts';
import { UNROUTED_SOURCE_ID } from '#shared/channels/channel.ts';
import { cacheNamesById, readCustomFieldsCache } from '#shared/preview/custom-fields-cache.ts';
import { previewInput, unresolvedId } from '#shared/preview/preview.ts';
import { type DeadLetter, deadLetterQueue } from '#shared/queue/dlq.ts';
import { checkSources } from '#shared/sources/loader.ts';
import { redact } from '#shared/telemetry.ts';

/** Which queues a command works on: the local runtime's, or AWS's given by URL. */
export interface QueueTarget {
  where: 'local' | 'aws';
  /** For messages: the embedded queue's endpoint, or `AWS`. */
  label: string;
  sqs: SQSClient;
  leadsUrl: string | undefined;
  deadLetterUrl: string;
  close(): void;
}

const awsHint = 'Or pass --dlq-url (and --queue-url) to work on the queues on AWS.';

/**
 * The queues to work on: `--dlq-url`/`--queue-url` select AWS (default credentials and region, or
 * `--region`); otherwise the running local runtime's, from `<dataDir>/runtime.json`.
 */
export async function queueTarget(io: Io, space: Workspace, values: OptionValues): Promise<QueueTarget> {
  const dlqUrl = stringOption(values, 'dlq-url');
  const queueUrl = stringOption(values, 'queue-url');
  if (dlqUrl || queueUrl) {
    if (!dlqUrl) throw new UsageError('--queue-url needs --dlq-url too (the leads-dlq URL)');
    const region = stringOption(values, 'region');
    const sqs = io.awsSqs
      ? await io.awsSqs(region)
      : new (await import('@aws-sdk/client-sqs')).SQSClient(region ? { region } : {});
    return {
      where: 'aws',
      label: 'AWS',
      sqs,
      leadsUrl: queueUrl,
      deadLetterUrl: dlqUrl,
      close: () => sqs.destroy(),
    };
  }
  const state = readRuntimeState(space, awsHint);
  const { sqsClient } = await import('#shared/queue/client.ts');
  const sqs = sqsClient(state.queueEndpoint);
  return {
    where: 'local',
    label: state.queueEndpoint,
    sqs: localSqs(sqs),
    leadsUrl: state.leadsUrl,
    deadLetterUrl: state.deadLetterUrl,
    close: () => sqs.destroy(),
  };
}

/** Runs `work` against the target (closing it after), turning "the queue does not answer" into a readable error. */
export async function withTarget<T>(
  context: CommandContext,
  work: (target: QueueTarget) => Promise<T>,
): Promise<T> {
  const target = await queueTarget(context.io, context.space, context.values);
  try {
    return await work(target);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code =
      (error as { code?: string; cause?: { code?: string } }).code ??
      (error as { cause?: { code?: string } }).cause?.code;
    if (target.where === 'local' && (code === 'ECONNREFUSED' || code === 'ECONNRESET')) {
      throw new CliError(`the local queue does not answer at ${target.label}.`, {
        details: ['Is leadgate running? Start it with `npm start`.'],
      });
    }
    const name = (error as Error).name;
    throw new CliError(
      `${target.where === 'aws' ? 'SQS' : 'the local queue'}: ${name}: ${(error as Error).message}`,
    );
  } finally {
    target.close();
  }
}

export function positiveInteger(values: OptionValues, name: string): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`--${name} must be a positive whole number`);
  return Number(text);
}

/** Reads parked leads (on the local queue, after any recent listing's hold has passed). */
async function listParked(target: QueueTarget, max: number): Promise<DeadLetter[]> {
  if (target.where === 'local') await settleDeadLetters(target.sqs, target.deadLetterUrl);
  return deadLetterQueue(target.sqs, urls(target)).list(max);
}

/** A parked lead without its field values (what list prints and `--json` gives). */
function publicLetter(letter: DeadLetter) {
  const { envelope: _envelope, ...rest } = letter;
  return { ...rest, message: letter.message === undefined ? undefined : redact(letter.message) };
}

/** `leadgate dlq list`: parked leads with their reasons (no field values). */
export async function list(context: CommandContext): Promise<number> {
  const max = positiveInteger(context.values, 'max') ?? 100;
  const letters = await withTarget(context, (target) => listParked(target, max));
  const { io } = context;
  if (context.json) {
    printJson(io, { count: letters.length, deadLetters: letters.map(publicLetter) });
    return 0;
  }
  if (letters.length === 0) {
    io.out(styles(io).ok('✔ the dead-letter queue is empty'));
    return 0;
  }
  const rows = letters.map((letter) => [
    letter.messageId,
    letter.sourceId ?? '?',
    letter.reason,
    letter.attempts ?? '',
    utcTime(letter.lastAttemptAt ?? letter.receivedAt),
    shorten(redact(letter.message ?? ''), 80),
  ]);
  io.out(table([['MESSAGE ID', 'SOURCE', 'REASON', 'ATTEMPTS', 'LAST ATTEMPT', 'DETAIL'], ...rows]));
  io.out('');
  io.out(
    `${plural(letters.length, 'parked lead')}. ` +
      'leadgate dlq show <message id> for one; leadgate dlq redrive to retry.',
  );
  return 0;
}

/**
 * `leadgate dlq show <messageId>`: one parked lead with its fields, and what the current config
 * makes of it.
 */
export async function show(context: CommandContext): Promise<number> {
  const [wanted, extra] = context.args;
  if (!wanted) throw new UsageError('say which parked lead: leadgate dlq show <message id | lead id>');
  if (extra) throw new UsageError(`unexpected argument: ${extra}`);
  const letters = await withTarget(context, (target) => listParked(target, 1000));
  const letter = letters.find((item) => item.messageId === wanted || item.leadId === wanted);
  if (!letter) {
    throw new CliError(`no parked lead with message id or lead id ${wanted}`, {
      details: ['leadgate dlq list shows the parked leads'],
    });
  }
  const now = await remap(context, letter);
  const { io } = context;
  if (context.json) {
    printJson(io, { ...letter, now });
    return 0;
  }
  const style = styles(io);
  const envelope = letter.envelope;
  const rows: [string, string][] = [
    ['Message', letter.messageId],
    ['Lead', letter.leadId ?? '?'],
    ['Source', `${letter.sourceId ?? '?'}${letter.channel ? ` (${letter.channel})` : ''}`],
    ['Received', utcTime(letter.receivedAt) || '?'],
    ['Reason', `${letter.reason}${letter.status ? ` (HTTP ${letter.status})` : ''}`],
    ['Detail', letter.message ?? ''],
    [
      'Attempts',
      `${letter.attempts ?? '?'} ` +
        `(first ${utcTime(letter.firstAttemptAt) || '?'}, last ${utcTime(letter.lastAttemptAt) || '?'})`,
    ],
    // which sources version mapped it (docs/operations.md, "Publishing sources")
    ...(letter.configVersion ? [['Sources version', letter.configVersion] as [string, string]] : []),
  ];
  io.out(table(rows));
  if (envelope) {
    io.out(`\n${style.bold('Fields')}`);
    const fields = Object.entries(envelope.fields);
    if (fields.length === 0)
      io.out(style.dim(envelope.fetch ? `  (to be fetched from ${envelope.fetch.provider})` : '  (none)'));
    for (const [name, value] of fields)
      io.out(`  ${name}: ${Array.isArray(value) ? value.join(', ') : value}`);
    io.out(`\n${style.bold('Context')}`);
    for (const [name, value] of Object.entries(envelope.context)) io.out(`  $${name}: ${value}`);
  }
  io.out(`\n${style.bold('With the current config')}`);
  if (now.kind === 'body') {
    if (now.unresolved.length > 0) {
      io.out(
        style.bad(
          `✘ not ready to send: custom field ${now.unresolved.map((name) => `"${name}"`).join(', ')} ` +
            'not resolved to an ID (no sources/custom-fields.json: run leadgate fields pull)',
        ),
      );
      io.out(style.dim('the Leadsin body, once the names are resolved:'));
    } else io.out(style.ok('✔ a redrive would send this Leadsin body:'));
    io.out(JSON.stringify(now.body, null, 2));
    if (now.customFields.length > 0) {
      io.out(style.bold('Custom fields'));
      for (const { ID, Name } of now.customFields)
        io.out(`  ${ID}: ${Name ?? style.dim('(not in sources/custom-fields.json)')}`);
    }
  } else if (now.kind === 'errors') {
    io.out(style.bad('✘ still refused by the mapping:'));
    for (const [field, problem] of Object.entries(now.errors)) io.out(`  ${field}: ${problem}`);
  } else io.out(style.dim(`  ${now.note}`));
  return 0;
}

type Remapped =
  | {
      kind: 'body';
      body: unknown;
      /** The body's custom fields by ID, with their names from the cache (when it has them). */
      customFields: { ID: string; Name?: string }[];
      /** `name:` custom fields not resolved (no cache): the body is not ready to send. */
      unresolved: string[];
    }
  | { kind: 'errors'; errors: Record<string, string> }
  | { kind: 'unknown'; note: string };

async function remap(context: CommandContext, letter: DeadLetter): Promise<Remapped> {
  const envelope = letter.envelope;
  if (!envelope) return { kind: 'unknown', note: 'the message is not a lead envelope' };
  if (envelope.sourceId === UNROUTED_SOURCE_ID)
    return { kind: 'unknown', note: 'the lead matched no source' };
  if (envelope.fetch)
    return { kind: 'unknown', note: `the lead is fetched from ${envelope.fetch.provider} at delivery` };
  const source = checkSources(context.space.sourcesDir).sources.get(envelope.sourceId);
  if (!source)
    return { kind: 'unknown', note: `no valid source ${envelope.sourceId} in ${context.space.sourcesDir}` };
  const preview = await previewInput(source, envelope, {
    customFieldId: customFieldNames(context.io, context.space).lookup,
  });
  if (!preview.result.ok) return { kind: 'errors', errors: preview.result.errors };
  const names = customFieldNamesById(context);
  const customFields = (preview.result.body.Extra ?? [])
    .filter((extra) => !preview.unresolved.some((name) => extra.ID === unresolvedId(name)))
    .map(({ ID }) => {
      const name = names.get(ID);
      return name === undefined ? { ID } : { ID, Name: name };
    });
  return { kind: 'body', body: preview.result.body, customFields, unresolved: preview.unresolved };
}

/** `ID → name` from sources/custom-fields.json; empty without a (valid) cache. */
function customFieldNamesById(context: CommandContext): Map<string, string> {
  try {
    const cache = readCustomFieldsCache(context.space.customFieldsFile);
    return cache ? cacheNamesById(cache) : new Map();
  } catch {
    return new Map(); // customFieldNames above has reported an invalid cache already
  }
}

/**
 * `leadgate dlq redrive`: moves parked leads back to the leads queue (filtered by source and
 * reason, or `--all`), reporting progress on stderr. On AWS, `--all --move-task` hands the move to
 * SQS (StartMessageMoveTask) and follows the task until it ends.
 */
export async function redrive(context: CommandContext): Promise<number> {
  const { io, values } = context;
  const sourceId = stringOption(values, 'source');
  const reason = stringOption(values, 'reason');
  const all = values.all === true;
  const max = positiveInteger(values, 'max');
  if (!sourceId && !reason && !all) {
    throw new UsageError('say which parked leads to redrive: --source ID, --reason R, or --all');
  }
  if (values['move-task'] === true)
    return moveTask(context, { all, filtered: !!(sourceId || reason || max) });
  const result = await withTarget(context, async (target) => {
    if (!target.leadsUrl) throw new UsageError('redrive on AWS needs --queue-url (the leads queue) too');
    if (target.where === 'local') await settleDeadLetters(target.sqs, target.deadLetterUrl);
    let last = 0;
    return deadLetterQueue(target.sqs, urls(target)).redrive({
      filter: (letter) =>
        (!sourceId || letter.sourceId === sourceId) && (!reason || letter.reason === reason),
      ...(max ? { max } : {}),
      onProgress: ({ moved, skipped }) => {
        if (Date.now() - last < 1000) return;
        last = Date.now();
        io.err(`moved ${moved}, skipped ${skipped}...`);
      },
    });
  });
  if (context.json) {
    printJson(io, result);
    return 0;
  }
  const style = styles(io);
  io.out(
    `${style.ok('✔')} moved ${plural(result.moved, 'lead')} back to the leads queue` +
      (result.skipped > 0 ? ` (${plural(result.skipped, 'other')} left in the DLQ)` : ''),
  );
  return 0;
}

async function moveTask(
  context: CommandContext,
  options: { all: boolean; filtered: boolean },
): Promise<number> {
  const { io } = context;
  if (!options.all || options.filtered) {
    throw new UsageError(
      '--move-task moves every parked lead: use it with --all and no --source, --reason or --max',
    );
  }
  return withTarget(context, async (target) => {
    if (target.where !== 'aws') {
      throw new UsageError(
        '--move-task works on AWS only (the embedded queue has no move tasks): leave it out',
      );
    }
    if (!target.leadsUrl) throw new UsageError('--move-task needs --queue-url (the leads queue) too');
    const [dlqArn, leadsArn] = await Promise.all([
      arnOf(target.sqs, target.deadLetterUrl),
      arnOf(target.sqs, target.leadsUrl),
    ]);
    const handle = await deadLetterQueue(target.sqs, urls(target)).startMoveTask(dlqArn, leadsArn);
    io.err(
      `SQS move task started${handle ? ` (${handle.slice(0, 16)}...)` : ''}; ` +
        'Ctrl-C stops watching, not the task',
    );
    // How often the running task is polled (tests shorten it with LEADGATE_MOVE_TASK_POLL_MS).
    const pollMs = Number(io.env.LEADGATE_MOVE_TASK_POLL_MS ?? 2000);
    let task: Awaited<ReturnType<typeof latestTask>>;
    for (;;) {
      task = await latestTask(target.sqs, dlqArn);
      if (task?.Status !== 'RUNNING') break;
      io.err(
        `moved ${task.ApproximateNumberOfMessagesMoved ?? 0} ` +
          `of ${task.ApproximateNumberOfMessagesToMove ?? '?'}...`,
      );
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
    const status = task?.Status ?? 'UNKNOWN';
    if (context.json) printJson(io, { status, moved, failureReason: task?.FailureReason });
    else if (status === 'COMPLETED')
      io.out(`${styles(io).ok('✔')} SQS moved ${plural(moved, 'lead')} back to the leads queue`);
    else
      io.out(
        styles(io).bad(
          `✘ the move task ended ${status}` +
            `${task?.FailureReason ? `: ${task.FailureReason}` : ''} after ${moved}`,
        ),
      );
    return status === 'COMPLETED' ? 0 : 1;
  });
}

async function latestTask(sqs: SQSClient, sourceArn: string) {
  const answer = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
  return answer.Results?.[0];
}

async function arnOf(sqs: SQSClient, url: string): Promise<string> {
  const answer = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = answer.Attributes?.QueueArn;
  if (!arn) throw new CliError(`SQS did not say the ARN of ${url}`);
  return arn;
}

function urls(target: QueueTarget) {
  return { leadsUrl: target.leadsUrl ?? '', deadLetterUrl: target.deadLetterUrl };
}

function shorten(text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}
