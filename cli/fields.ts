import { existsSync } from 'node:fs';
import {
  createOnpipelineClient,
  DEFAULT_ONPIPELINE_URL,
  OnpipelineRequestError,
} from '#shared/leadsin/client.ts';
import { type CustomField, type CustomFieldTable, customFieldTables } from '#shared/leadsin/schema.ts';
import { formatProblem } from '#shared/sources/errors.ts';
import { checkSources } from '#shared/sources/loader.ts';
import { type CommandContext, stringOption } from './command.ts';
import { cacheLookup, unknownCustomFieldNames, writeCustomFieldsCache } from './custom-fields.ts';
import { CliError, plural, printJson, styles } from './io.ts';
import { cliSecrets } from './secrets.ts';
import { display } from './sources.ts';

/**
 * `leadgate fields pull`: ListCustomFields for Persons, Organizations and Deals with the configured
 * token, written to the committed cache `sources/custom-fields.json`; then every `name:` custom field
 * of the sources that Onpipeline does not have is reported (exit 1). The token is never printed.
 */
export async function pull({ io, json, space, values }: CommandContext): Promise<number> {
  const secrets = cliSecrets(io, space, 'api');
  const baseUrl =
    stringOption(values, 'url') ?? (await secrets.get('ONPIPELINE_URL')) ?? DEFAULT_ONPIPELINE_URL;
  if ((await secrets.get('ONPIPELINE_TOKEN')) === undefined) {
    const local = /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/.test(baseUrl);
    throw new CliError('ONPIPELINE_TOKEN is not set.', {
      details: [
        `Set it in the environment or in ${display(io, space.apiTokensFile)} (ONPIPELINE_TOKEN=...).`,
        ...(local ? ['The local Onpipeline sandbox accepts ONPIPELINE_TOKEN=sandbox-token.'] : []),
      ],
    });
  }
  let client: ReturnType<typeof createOnpipelineClient>;
  try {
    client = createOnpipelineClient({
      baseUrl,
      token: () => secrets.require('ONPIPELINE_TOKEN'),
      timeoutMs: 15_000,
    });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  if (!existsSync(space.sourcesDir))
    throw new CliError(`no sources folder at ${display(io, space.sourcesDir)}`);

  const tables = {} as Record<CustomFieldTable, CustomField[]>;
  for (const table of customFieldTables) {
    io.err(`reading ${table} custom fields from ${new URL(baseUrl).origin}...`);
    tables[table] = await listTable(client, table);
  }
  const changed = writeCustomFieldsCache(space.customFieldsFile, tables);
  const { sources, problems } = checkSources(space.sourcesDir);
  const missing = unknownCustomFieldNames(sources.values(), cacheLookup({ tables }));
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

async function listTable(
  client: ReturnType<typeof createOnpipelineClient>,
  table: CustomFieldTable,
): Promise<CustomField[]> {
  try {
    return await client.listCustomFields(table);
  } catch (error) {
    if (error instanceof OnpipelineRequestError) {
      const outcome = error.outcome;
      const status = 'status' in outcome && outcome.status ? ` (${outcome.status})` : '';
      const hint =
        outcome.kind === 'configuration'
          ? 'check ONPIPELINE_TOKEN, the IP whitelist and ONPIPELINE_URL'
          : outcome.kind === 'transient'
            ? 'Onpipeline did not answer properly: try again in a moment'
            : 'Onpipeline refused the request';
      throw new CliError(`ListCustomFields ${table} failed${status}: ${hint}.`, {
        details: [
          'message' in outcome && outcome.message ? `Onpipeline said: ${outcome.message}` : '',
        ].filter(Boolean),
      });
    }
    throw error;
  }
}
