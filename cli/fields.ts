import { existsSync } from 'node:fs';
import { type CommandContext, stringOption } from '#cli/command.ts';
import { CliError, plural, printJson, styles } from '#cli/io.ts';
import { cliSecrets } from '#cli/secrets.ts';
import { display } from '#cli/sources.ts';
import {
  createOnpipelineClient,
  DEFAULT_ONPIPELINE_URL,
  type OnpipelineClient,
  OnpipelineRequestError,
} from '#shared/onpipeline/client.ts';
import { nameLookup } from '#shared/onpipeline/custom-fields.ts';
import { type CustomField, type CustomFieldTable, customFieldTables } from '#shared/onpipeline/schema.ts';
import {
  namedCustomFields,
  unknownCustomFieldNames,
  writeCustomFieldsCache,
} from '#shared/preview/custom-fields-cache.ts';
import { formatProblem } from '#shared/sources/errors.ts';
import { checkSources } from '#shared/sources/loader.ts';
import { closestName } from '#shared/suggest.ts';
import { redact } from '#shared/telemetry.ts';

/** The Onpipeline client of a `fields` command: URL and token from the options, env or secrets file. */
async function onpipeline(
  io: CommandContext['io'],
  space: CommandContext['space'],
  values: CommandContext['values'],
): Promise<{ client: OnpipelineClient; baseUrl: string }> {
  const secrets = cliSecrets(io, space, 'api');
  const baseUrl =
    stringOption(values, 'url') ?? (await secrets.get('ONPIPELINE_URL')) ?? DEFAULT_ONPIPELINE_URL;
  if ((await secrets.get('ONPIPELINE_TOKEN')) === undefined) {
    const local = /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/.test(baseUrl);
    throw new CliError('ONPIPELINE_TOKEN is not set.', {
      code: 'token_missing',
      details: [
        `Set it in the environment or in ${display(io, space.apiTokensFile)} (ONPIPELINE_TOKEN=...).`,
        ...(local ? ['The local Onpipeline sandbox accepts ONPIPELINE_TOKEN=sandbox-token.'] : []),
      ],
    });
  }
  try {
    const client = createOnpipelineClient({
      baseUrl,
      token: () => secrets.require('ONPIPELINE_TOKEN'),
      timeoutMs: 15_000,
    });
    return { client, baseUrl };
  } catch (error) {
    throw new CliError((error as Error).message, { code: 'onpipeline_url_invalid' });
  }
}

/**
 * `leadgate fields pull`: ListCustomFields for Persons, Organizations and Deals with the configured
 * token, written to the committed cache `sources/custom-fields.json`; then every `name:` custom field
 * of the sources that Onpipeline does not have is reported (exit 1). The token is never printed.
 */
export async function pull({ io, json, space, values }: CommandContext): Promise<number> {
  const { client, baseUrl } = await onpipeline(io, space, values);
  if (!existsSync(space.sourcesDir))
    throw new CliError(`no sources folder at ${display(io, space.sourcesDir)}`, { code: 'no_sources' });

  const tables = await listAll(io, client, baseUrl);
  const changed = writeCustomFieldsCache(space.customFieldsFile, tables);
  const { sources, problems } = checkSources(space.sourcesDir);
  const missing = unknownCustomFieldNames(sources.values(), { tables });
  const file = display(io, space.customFieldsFile);
  const counts = Object.fromEntries(customFieldTables.map((table) => [table, tables[table].length]));

  if (json) {
    printJson(io, { ok: missing.length === 0, file, changed, counts, missing, invalidSources: problems });
  } else {
    const style = styles(io);
    io.out(
      `${style.ok('✔')} ${customFieldTables
        .map((table) => `${table}: ${plural(tables[table].length, 'field')}`)
        .join(', ')}`,
    );
    io.out(`${changed ? 'wrote' : 'unchanged:'} ${file}${changed ? ' (commit it)' : ''}`);
    if (problems.length > 0) {
      io.out(
        style.warn(
          `${plural(problems.length, 'source problem')} (leadgate sources check): not checked for names`,
        ),
      );
    }
    for (const problem of missing) io.out(`${style.bad('error')} ${formatProblem(problem)}`);
    if (missing.length > 0) {
      io.out(
        style.bad(`✘ ${plural(missing.length, 'custom field name')} in sources not found in Onpipeline`),
      );
    } else {
      io.out(style.ok('✔ every name: custom field used in sources exists in Onpipeline'));
    }
  }
  return missing.length === 0 ? 0 : 1;
}

async function listTable(client: OnpipelineClient, table: CustomFieldTable): Promise<CustomField[]> {
  try {
    return await client.listCustomFields(table);
  } catch (error) {
    throw requestFailure(`ListCustomFields ${table}`, error);
  }
}

async function listAll(io: CommandContext['io'], client: OnpipelineClient, baseUrl: string) {
  const tables = {} as Record<CustomFieldTable, CustomField[]>;
  for (const table of customFieldTables) {
    io.err(`reading ${table} custom fields from ${new URL(baseUrl).origin}...`);
    tables[table] = await listTable(client, table);
  }
  return tables;
}

/** What went wrong with one Onpipeline call, for a person: status, what to check, Onpipeline's words. */
function describeFailure(error: OnpipelineRequestError): {
  status: string;
  hint: string;
  said: string;
  code: string;
} {
  const outcome = error.outcome;
  const status = 'status' in outcome && outcome.status ? ` (${outcome.status})` : '';
  const unreachable = outcome.kind === 'transient';
  const hint =
    outcome.kind === 'configuration'
      ? 'check ONPIPELINE_TOKEN, the IP whitelist and ONPIPELINE_URL'
      : unreachable
        ? 'Onpipeline did not answer properly: try again in a moment'
        : 'Onpipeline refused the request';
  const said = 'message' in outcome && outcome.message ? redact(outcome.message) : '';
  return { status, hint, said, code: unreachable ? 'onpipeline_unreachable' : 'onpipeline_refused' };
}

function requestFailure(what: string, error: unknown): unknown {
  if (!(error instanceof OnpipelineRequestError)) return error;
  const { status, hint, said, code } = describeFailure(error);
  return new CliError(`${what} failed${status}: ${hint}.`, {
    code,
    details: said ? [`Onpipeline said: ${said}`] : [],
  });
}

/** The table `fields push` creates fields in: `Leadsin` makes a person, so its custom fields are Persons fields. */
const PUSH_TABLE: CustomFieldTable = 'Persons';

interface PushItem {
  name: string;
  sources: string[];
}
interface Created extends PushItem {
  id?: string;
  existed: boolean;
}
interface Failed extends PushItem {
  code: string;
  message: string;
}
interface Similar extends PushItem {
  /** The existing field whose name is one typo away: probably what the source meant. */
  closest: string;
}

/**
 * `leadgate fields push [--dry-run]`: creates in Onpipeline, with FieldAdd (Persons table), every
 * `name:` custom field of the sources that Onpipeline does not have, prints what it created (or
 * would create), then pulls again into `sources/custom-fields.json` (not with `--dry-run`, which
 * changes nothing). A name one typo away from an existing field (`Lead sorce`) is not created unless
 * `--force`: it is reported with the existing name. Exit 1 when a field was not created (refused or
 * similar) or a name still does not resolve.
 */
export async function push({ io, json, space, values }: CommandContext): Promise<number> {
  const dryRun = values['dry-run'] === true;
  const force = values.force === true;
  const { client, baseUrl } = await onpipeline(io, space, values);
  if (!existsSync(space.sourcesDir))
    throw new CliError(`no sources folder at ${display(io, space.sourcesDir)}`, { code: 'no_sources' });
  const { sources, problems } = checkSources(space.sourcesDir);
  const named = namedCustomFields(sources.values());

  const before = await listAll(io, client, baseUrl);
  const known = nameLookup(customFieldTables.flatMap((table) => before[table]));
  const existing = customFieldTables.flatMap((table) => before[table].map((field) => field.Name));
  const missing: PushItem[] = [];
  const similar: Similar[] = [];
  for (const item of named) {
    if (known(item.name) !== undefined) continue;
    const closest = force ? undefined : closestName(item.name, existing);
    if (closest === undefined) missing.push(item);
    else similar.push({ ...item, closest });
  }

  const created: Created[] = [];
  const failed: Failed[] = [];
  if (!dryRun) {
    for (const item of missing) {
      io.err(`creating ${PUSH_TABLE} custom field "${item.name}"...`);
      try {
        const answer = await client.addCustomField(PUSH_TABLE, item.name);
        created.push({ ...item, ...(answer.id ? { id: answer.id } : {}), existed: answer.existed });
      } catch (error) {
        if (!(error instanceof OnpipelineRequestError)) throw error;
        const { status, hint, said, code } = describeFailure(error);
        failed.push({
          ...item,
          code,
          message: `FieldAdd failed${status}: ${hint}${said ? ` (${said})` : ''}`,
        });
      }
    }
  }

  let changed = false;
  let unresolved: string[] = [];
  if (!dryRun) {
    const after = missing.length > 0 ? await listAll(io, client, baseUrl) : before;
    changed = writeCustomFieldsCache(space.customFieldsFile, after);
    const lookup = nameLookup(customFieldTables.flatMap((table) => after[table]));
    unresolved = named.filter((item) => lookup(item.name) === undefined).map((item) => item.name);
    for (const item of created) item.id ??= lookup(item.name);
  }
  const file = display(io, space.customFieldsFile);
  const ok = failed.length === 0 && similar.length === 0 && (dryRun || unresolved.length === 0);

  if (json) {
    printJson(io, {
      ok,
      dryRun,
      table: PUSH_TABLE,
      used: named.length,
      ...(dryRun ? { wouldCreate: missing } : { created, failed, unresolved, file, changed }),
      similar,
      invalidSources: problems,
    });
    return ok ? 0 : 1;
  }
  const style = styles(io);
  if (problems.length > 0) {
    io.out(
      style.warn(
        `${plural(problems.length, 'source problem')} (leadgate sources check): those sources are skipped`,
      ),
    );
  }
  const used = (item: PushItem) => style.dim(`(used by ${item.sources.join(', ')})`);
  for (const item of similar) {
    io.out(
      `${style.bad('✘')} "${item.name}" not created: did you mean "${item.closest}"? ${used(item)}` +
        ' (fix the name in the source, or --force to create it anyway)',
    );
  }
  if (missing.length === 0 && similar.length === 0) {
    io.out(style.ok(`✔ Onpipeline has all ${plural(named.length, 'name: custom field')} the sources use`));
  } else if (missing.length === 0) {
    // only similar names: reported above
  } else if (dryRun) {
    io.out(`would create ${plural(missing.length, `${PUSH_TABLE} custom field`)} with FieldAdd:`);
    for (const item of missing) io.out(`  + "${item.name}" ${used(item)}`);
    io.out(style.dim('dry run: nothing created, sources/custom-fields.json unchanged'));
  } else {
    for (const item of created) {
      io.out(
        item.existed
          ? `${style.ok('✔')} "${item.name}" already existed ${used(item)}`
          : `${style.ok('✔')} created ${PUSH_TABLE} custom field "${item.name}"${item.id ? ` (ID ${item.id})` : ''} ${used(item)}`,
      );
    }
    for (const item of failed) io.out(`${style.bad('✘')} "${item.name}": ${item.message}`);
  }
  if (!dryRun) {
    io.out(`${changed ? 'wrote' : 'unchanged:'} ${file}${changed ? ' (commit it)' : ''}`);
    for (const name of unresolved.filter((name) => !similar.some((item) => item.name === name)))
      io.out(`${style.bad('error')} custom field "${name}" still does not resolve in Onpipeline`);
  }
  return ok ? 0 : 1;
}
