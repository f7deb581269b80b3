#!/usr/bin/env node
/**
 * `leadgate`: the command line for marketing ops and operators. See `leadgate --help`; every command
 * prints readable text by default and one JSON document with `--json`, reports progress on stderr and
 * exits non-zero on failure (1) or wrong usage (2). Commands are loaded on demand, so `sources check`
 * never loads the AWS SDK.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import type { CommandRun } from '#cli/command.ts';
import { CliError, type Io, printJson, processIo, UsageError } from '#cli/io.ts';
import { globalOptions, workspace } from '#cli/workspace.ts';

// The shared modules log JSON lines and emit metrics for Lambda; neither belongs in a terminal.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

interface CommandSpec {
  name: string;
  synopsis: string;
  summary: string;
  help: string;
  options: ParseArgsOptionsConfig;
  load: () => Promise<CommandRun>;
}

const awsOptions = {
  'queue-url': { type: 'string' },
  'dlq-url': { type: 'string' },
  region: { type: 'string' },
} as const;

const awsHelp = `Against the local runtime by default (read from .leadgate/runtime.json). On AWS:
  --queue-url URL   the leads queue URL       --dlq-url URL   the leads-dlq URL
  --region REGION   AWS region (default: AWS_REGION / your AWS profile); default AWS credentials`;

const appConfigOptions = {
  application: { type: 'string' },
  environment: { type: 'string' },
  profile: { type: 'string' },
  strategy: { type: 'string' },
  outputs: { type: 'string' },
  region: { type: 'string' },
  message: { type: 'string', short: 'm' },
  by: { type: 'string' },
  local: { type: 'boolean' },
} as const;

const appConfigHelp = `On AWS by default; the ids come from --application, --environment, --profile,
--strategy, else LEADGATE_APPCONFIG_APPLICATION|ENVIRONMENT|PROFILE|STRATEGY, else the stack outputs
file (--outputs FILE, default cdk-outputs.json from cdk deploy --outputs-file). --region REGION.
  --message, -m TEXT  why (kept with the version)   --by NAME  who (default: your OS user)
  --local             one machine: snapshots under .leadgate/config-versions/; rollback writes
                      the snapshot's files back into sources/ (the running leadgate reloads them)`;

const commands: CommandSpec[] = [
  {
    name: 'sources check',
    synopsis: 'sources check',
    summary: 'validate every source config: file, line and what is wrong',
    help: `Validates every sources/*.yaml and sources/custom-fields.json. Problems are printed as
  sources/<file>.yaml:<line> <path>: <what is wrong>
A name: custom field that Onpipeline does not have (per sources/custom-fields.json, the last
\`leadgate fields pull\`) is a problem: it says the closest existing name, or to create the field
with \`leadgate fields push\`. Without sources/custom-fields.json, names are not checked (a warning).
Exit 1 on any problem.`,
    options: {},
    load: async () => (await import('#cli/sources.ts')).check,
  },
  {
    name: 'sources publish',
    synopsis: 'sources publish [--message TEXT] [--local]',
    summary: 'publish the sources to AWS AppConfig: in use within a minute, no deployment',
    help: `Checks every source exactly as \`sources check\` does (nothing is published on a problem),
publishes them as one AppConfig hosted configuration version, starts its deployment and prints
the version and what changed against the live version. docs/sources.md, "Change a mapping on AWS".
${appConfigHelp}`,
    options: appConfigOptions,
    load: async () => (await import('#cli/publish.ts')).publish,
  },
  {
    name: 'sources history',
    synopsis: 'sources history [--local]',
    summary: 'the published source versions: number, deployment state, when and by whom',
    help: `Lists the published versions, newest first, with their last deployment and description
(time, who, message). (live) marks the version in use.
${appConfigHelp}`,
    options: appConfigOptions,
    load: async () => (await import('#cli/publish.ts')).history,
  },
  {
    name: 'sources rollback',
    synopsis: 'sources rollback [version] [--local]',
    summary: 'deploy an earlier published version again (default: the one before the live one)',
    help: `Deploys an earlier version again; without a version, the highest one below the live one.
While a deployment is in progress, rollback without a version stops it (AppConfig restores the
previous version).
${appConfigHelp}`,
    options: appConfigOptions,
    load: async () => (await import('#cli/publish.ts')).rollback,
  },
  {
    name: 'sources preview',
    synopsis: 'sources preview <sourceId> <payload file | ->',
    summary: 'the exact Leadsin body (or the field errors) a sample payload becomes',
    help: `Maps a sample payload with the source's mapping and prints the exact Leadsin body deliver would
send, or the field errors that would refuse it. Use - to read the payload from stdin.
The source is read from its file on disk: if that file is invalid, nothing is previewed and its
problems are listed (a running leadgate keeps serving the last good version meanwhile).
Accepted payloads:
  JSON object        field names and values, for any channel ({"first_name": "Ana", ...})
  JSON array         a partner batch: one object per lead
  webhook payload    a channel's own JSON:
                       google-ads  user_column_data[].column_id and string_value
                       meta        the lead as the Graph API returns it (field_data[].name, values)
                       linkedin    a lead form response (formResponse.answers[]), each answer
                                   named by its predefinedField (FIRST_NAME...) or questionId
                       tiktok      the notification (entry[].changes[].field and value)
  name=value lines   forms only: one field per line, read literally: everything after the first =
                     is the value as typed (+44 20 7946 0958 keeps its +; nothing is URL-decoded,
                     a & does not split); repeat a name for several values (checkboxes)
name: custom fields are resolved with sources/custom-fields.json (leadgate fields pull); without it
they are shown as <unresolved: name>.
  --referer URL   the page a form was on (for $referer and $utm.* from its query string)
Exit 1 when the lead would be refused.`,
    options: { referer: { type: 'string' } },
    load: async () => (await import('#cli/sources.ts')).preview,
  },
  {
    name: 'fields pull',
    synopsis: 'fields pull',
    summary: "fetch Onpipeline's custom fields into sources/custom-fields.json",
    help: `Reads ListCustomFields for Persons, Organizations and Deals and writes sources/custom-fields.json
(commit it: it resolves name: custom fields in previews). Reports name: custom fields used in
sources that Onpipeline does not have (exit 1).
Onpipeline URL and token: ONPIPELINE_URL (default https://api.onpipeline.com) and ONPIPELINE_TOKEN,
from the environment, else .leadgate/api-tokens.env (the API tokens, as deliver reads them).
  --url URL   another Onpipeline URL (for example the local sandbox, http://127.0.0.1:3001)
The local Onpipeline sandbox (npm start) accepts the token sandbox-token:
  ONPIPELINE_TOKEN=sandbox-token npx leadgate fields pull --url http://127.0.0.1:3001`,
    options: { url: { type: 'string' } },
    load: async () => (await import('#cli/fields.ts')).pull,
  },
  {
    name: 'fields push',
    synopsis: 'fields push [--dry-run]',
    summary: 'create in Onpipeline the name: custom fields the sources use but it lacks',
    help: `Reads Onpipeline's custom fields (ListCustomFields), then creates with FieldAdd every name: custom
field of the sources that Onpipeline does not have, as a text field of Persons (the table of the
people Leadsin creates). Prints what it created, then writes sources/custom-fields.json as
\`leadgate fields pull\` does (commit it).
  --dry-run   only print what it would create: nothing is created, no file is written
  --force     also create names one typo away from an existing field (not created otherwise:
              "Lead sorce" is reported as probably meaning "Lead source")
  --url URL   another Onpipeline URL (for example the local sandbox, http://127.0.0.1:3001)
Onpipeline URL and token as for \`leadgate fields pull\` (ONPIPELINE_URL, ONPIPELINE_TOKEN).
Errors have a code with --json: token_missing, onpipeline_unreachable, onpipeline_refused.
Exit 1 when a field was not created (refused, or a probable typo) or Onpipeline cannot be read.`,
    options: { url: { type: 'string' }, 'dry-run': { type: 'boolean' }, force: { type: 'boolean' } },
    load: async () => (await import('#cli/fields.ts')).push,
  },
  {
    name: 'send-test',
    synopsis: 'send-test <sourceId>',
    summary: 'post a realistic sample lead of the source to a running gateway',
    help: `Builds a realistic sample lead for the source's channel (values guessed from the fields its
mapping reads) and posts it to the gateway the way the real sender does: forms with an allowed
Origin, Google Ads with its google_key, partners with an API key or signature, TikTok signed.
Secrets are read by name from the environment, else .leadgate/gateway-secrets.env (the gateway's
verification secrets, as capture reads them). An old .leadgate/secrets.env is still read, with a
warning to split it into gateway-secrets.env and api-tokens.env.
  --gateway URL   the gateway (default: the running local one, from .leadgate/runtime.json)
  --wait          wait for the delivery outcome (local runtime only; up to 30 s)
Exit 1 when the gateway refuses the lead (or, with --wait, when it is not delivered).`,
    options: { gateway: { type: 'string' }, wait: { type: 'boolean' } },
    load: async () => (await import('#cli/send-test.ts')).sendTest,
  },
  {
    name: 'status',
    synopsis: 'status',
    summary: 'queue depths, dead letters and recent delivery outcomes',
    help: `Shows how many leads wait in the leads queue and the dead-letter queue, and the outcomes of the
most recent delivery attempts (local runtime only).
  --gateway URL   the local gateway (default: from .leadgate/runtime.json)
${awsHelp}
Exit 1 when leadgate or its queue cannot be reached.`,
    options: { gateway: { type: 'string' }, ...awsOptions },
    load: async () => (await import('#cli/status.ts')).status,
  },
  {
    name: 'dlq list',
    synopsis: 'dlq list',
    summary: 'leads parked in the dead-letter queue, with their reasons',
    help: `Lists parked leads: message id, source, reason, attempts and Onpipeline's answer (no field values).
  --max N   list at most N (default 100)
${awsHelp}`,
    options: { max: { type: 'string' }, ...awsOptions },
    load: async () => (await import('#cli/dlq.ts')).list,
  },
  {
    name: 'dlq show',
    synopsis: 'dlq show <messageId>',
    summary: 'one parked lead: reason, fields, and what the current mapping makes of it',
    help: `Shows one parked lead (by message id or lead id) with its input fields, and what the current
source config makes of it (so you know whether a redrive will succeed).
${awsHelp}`,
    options: { ...awsOptions },
    load: async () => (await import('#cli/dlq.ts')).show,
  },
  {
    name: 'dlq redrive',
    synopsis: 'dlq redrive [--source ID] [--reason R] [--all]',
    summary: 'send parked leads back to the leads queue for delivery',
    help: `Moves parked leads back to the leads queue; deliver maps them again with the current config.
  --source ID    only the leads of this source
  --reason R     only the leads parked for this reason (e.g. mapping_failed, onpipeline_rejected)
  --all          every parked lead (required when no filter is given)
  --max N        move at most N
  --move-task    with --all on AWS: let SQS move them (StartMessageMoveTask) and follow its progress
${awsHelp}
Progress is reported on stderr.`,
    options: {
      source: { type: 'string' },
      reason: { type: 'string' },
      all: { type: 'boolean' },
      max: { type: 'string' },
      'move-task': { type: 'boolean' },
      ...awsOptions,
    },
    load: async () => (await import('#cli/dlq.ts')).redrive,
  },
  {
    name: 'erase',
    synopsis: 'erase --email ADDRESS [--phone NUMBER]',
    summary: 'forget a person (GDPR): delete their leads waiting in the queue and the DLQ',
    help: `Finds and deletes the leads of a person who asked to be forgotten while they wait in the leads
queue or the dead-letter queue: every message is received, the person's are deleted and all others
are given back untouched. Then the local dashboard forgets their recent leads.
  --email ADDRESS      an e-mail address, matched case-insensitively (repeat for several)
  --phone NUMBER       a phone number, matched by its digits, formatting ignored (repeat for several)
  --max-messages N     receive at most N messages per queue (default 10000)
  --time-budget S      stop after S seconds (default 120); held messages are given back at the end
  --gateway URL        the local gateway whose dashboard should forget (default: from .leadgate/runtime.json)
${awsHelp}
Progress on stderr; the report gives counts and message ids, never the addresses or numbers.
Exit 1 when a limit stopped the sweep before the end of a queue: run it again.
Not covered: leads already delivered (ask Onpipeline to erase them), Meta and LinkedIn leads (they
wait in the queue as ids only, so they cannot be matched here). See docs/operations.md.`,
    options: {
      email: { type: 'string', multiple: true },
      phone: { type: 'string', multiple: true },
      'max-messages': { type: 'string' },
      'time-budget': { type: 'string' },
      gateway: { type: 'string' },
      ...awsOptions,
    },
    load: async () => (await import('#cli/erase.ts')).erase,
  },
];

const groups = new Set(
  commands.filter((spec) => spec.name.includes(' ')).map((spec) => spec.name.split(' ')[0]),
);

function overview(): string {
  const width = Math.max(...commands.map((spec) => spec.synopsis.length));
  const line = (spec: CommandSpec) => `  ${spec.synopsis.padEnd(width)}  ${spec.summary}`;
  return `leadgate: lead sources, test leads and operations for the leadgate gateway

Usage: leadgate <command> [options]

Commands
${commands.map(line).join('\n')}

Options for every command
  --json            one JSON document on stdout, for scripts
  --sources DIR     the source configs (default: $SOURCES_DIR, else sources)
  --data-dir DIR    the one-machine state folder (default: .leadgate)
  -h, --help        help for a command: leadgate <command> --help

Exit codes: 0 ok, 1 failure or problems found, 2 wrong usage.`;
}

function commandHelp(spec: CommandSpec): string {
  const summary = `${spec.summary[0]?.toUpperCase()}${spec.summary.slice(1)}.`;
  return `Usage: leadgate ${spec.synopsis} [--json]\n\n${summary}\n\n${spec.help}`;
}

function groupHelp(group: string): string {
  const members = commands.filter((spec) => spec.name.startsWith(`${group} `));
  const width = Math.max(...members.map((spec) => spec.synopsis.length));
  return `Usage: leadgate ${group} <command>\n\n${members
    .map((spec) => `  leadgate ${spec.synopsis.padEnd(width)}  ${spec.summary}`)
    .join('\n')}\n\nleadgate ${group} <command> --help for more.`;
}

const allOptions: ParseArgsOptionsConfig = Object.assign(
  {},
  globalOptions,
  ...commands.map((spec) => spec.options),
);

/**
 * Runs one `leadgate` command line and resolves to its exit code. Never throws and never calls
 * `process.exit`: the bin sets `process.exitCode`, tests call it directly.
 *
 * @example
 * const code = await main(['sources', 'check', '--json'], processIo());
 */
export async function main(argv: string[], io: Io): Promise<number> {
  const json = argv.includes('--json');
  try {
    const loose = parseArgs({ args: argv, options: allOptions, strict: false, allowPositionals: true });
    const words = loose.positionals;
    const wantsHelp = loose.values.help === true;
    const [first, second] = words;
    if (first === undefined || first === 'help') {
      io.out(overview());
      return first === undefined && !wantsHelp ? 2 : 0;
    }
    const spec =
      commands.find((candidate) => candidate.name === `${first} ${second}`) ??
      commands.find((candidate) => candidate.name === first);
    if (!spec) {
      if (groups.has(first)) {
        io.out(groupHelp(first));
        return wantsHelp && second === undefined ? 0 : 2;
      }
      throw new UsageError(`unknown command: ${first}`, ['leadgate --help lists the commands']);
    }
    if (wantsHelp) {
      io.out(commandHelp(spec));
      return 0;
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: argv,
        options: { ...globalOptions, ...spec.options },
        strict: true,
        allowPositionals: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message.split('\n')[0] ?? 'invalid arguments', [
        `leadgate ${spec.name} --help shows its options`,
      ]);
    }
    const values = parsed.values;
    const run = await spec.load();
    return await run({
      io,
      args: parsed.positionals.slice(spec.name.split(' ').length),
      values,
      json,
      space: workspace(io, {
        sources: typeof values.sources === 'string' ? values.sources : undefined,
        'data-dir': typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined,
      }),
    });
  } catch (error) {
    return report(io, error, json);
  }
}

function report(io: Io, error: unknown, json: boolean): number {
  const known = error instanceof CliError;
  const message = known ? error.message : unexpected(error);
  const details = known ? error.details : [];
  const code = known ? error.code : undefined;
  if (json)
    printJson(io, {
      error: { ...(code ? { code } : {}), message, ...(details.length > 0 ? { details } : {}) },
    });
  io.err(`leadgate: ${message}`);
  for (const line of details) io.err(`  ${line}`);
  if (!known && io.env.LEADGATE_DEBUG) io.err(String((error as Error)?.stack ?? error));
  return known ? error.exitCode : 1;
}

function unexpected(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return `${name}${error.message}`.slice(0, 500);
  }
  return String(error).slice(0, 500);
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2), processIo());
}
