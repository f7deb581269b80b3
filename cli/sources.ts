import { readFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { type CommandContext, stringOption } from '#cli/command.ts';
import { CliError, type Io, plural, printJson, styles, UsageError } from '#cli/io.ts';
import type { Workspace } from '#cli/workspace.ts';
import {
  cacheLookup,
  namedCustomFields,
  readCustomFieldsCache,
  unknownCustomFieldNames,
} from '#shared/preview/custom-fields-cache.ts';
import { PayloadError } from '#shared/preview/payloads.ts';
import { type LeadPreview, previewLeads } from '#shared/preview/preview.ts';
import { localSecretValues, type SecretSide, secretStore } from '#shared/security/secrets.ts';
import { formatProblem, type SourceProblem } from '#shared/sources/errors.ts';
import { checkSources } from '#shared/sources/loader.ts';
import type { Source } from '#shared/sources/schema.ts';
import { type MissingSecrets, missingSecrets } from '#shared/sources/secret-names.ts';

/**
 * `leadgate sources check`: validates every source config and the custom-field cache. Problems are
 * printed with file, line and path. A `name:` custom field missing from the cache is a problem (its
 * leads would be parked at delivery), with the closest cached name or `leadgate fields push` as the
 * fix; without a cache, names cannot be checked and that is a warning. A secret a source needs that
 * this machine does not have (environment, `<dataDir>/gateway-secrets.env` or `api-tokens.env`) is a
 * warning naming the secret and the file it goes into, never a value. Exit 1 on any problem; missing
 * secrets do not change the exit code: in CI and on AWS the secrets are in Secrets Manager, not here.
 */
export async function check({ io, json, space }: CommandContext): Promise<number> {
  const { sources, problems } = checkSources(space.sourcesDir);
  const warnings: SourceProblem[] = [];
  try {
    const cache = readCustomFieldsCache(space.customFieldsFile);
    if (cache) problems.push(...unknownCustomFieldNames(sources.values(), cache));
    else if (namedCustomFields(sources.values()).length > 0) {
      warnings.push({
        file: display(io, space.customFieldsFile),
        path: '',
        message: 'no custom-field list yet: name: custom fields are not checked (run leadgate fields pull)',
      });
    }
  } catch (error) {
    problems.push({ file: display(io, space.customFieldsFile), path: '', message: (error as Error).message });
  }
  const unset = await missingSecrets(sources.values(), {
    gateway: localSecrets(io, space, 'gateway'),
    api: localSecrets(io, space, 'api'),
  });
  warnings.push(...missingSecretWarnings(io, space, sources, unset));
  const ids = [...sources.keys()];
  if (json) {
    printJson(io, { ok: problems.length === 0, sources: ids, problems, warnings, missingSecrets: unset });
    return problems.length === 0 ? 0 : 1;
  }
  const style = styles(io);
  for (const problem of problems) io.out(`${style.bad('error')} ${formatProblem(problem)}`);
  for (const warning of warnings) io.out(`${style.warn('warning')} ${formatProblem(warning)}`);
  if (problems.length > 0) {
    const files = new Set(problems.map((problem) => problem.file)).size;
    io.out(style.bad(`✘ ${plural(problems.length, 'problem')} in ${plural(files, 'file')}`));
    return 1;
  }
  io.out(style.ok(`✔ ${plural(ids.length, 'source')} valid${ids.length > 0 ? `: ${ids.join(', ')}` : ''}`));
  return 0;
}

/** The secrets of one side on this machine, as `npm start` reads them (values stay in here). */
function localSecrets(io: Io, space: Workspace, side: SecretSide) {
  return secretStore(async () => localSecretValues(space.dataDir, side, io.env), 0);
}

/** One warning per missing secret: the source's file, the setting naming it, and the file it goes into. */
function missingSecretWarnings(
  io: Io,
  space: Workspace,
  sources: ReadonlyMap<string, Source>,
  unset: readonly MissingSecrets[],
): SourceProblem[] {
  const fileOf = { gateway: space.gatewaySecretsFile, api: space.apiTokensFile } as const;
  const kind = { gateway: 'a gateway secret', api: 'an API token' } as const;
  return unset.flatMap(({ sourceId, channel, missing }) => {
    const name = basename(sources.get(sourceId)?.file ?? `${sourceId}.yaml`);
    const file = display(io, join(space.sourcesDir, name));
    return missing.map((secret) => ({
      file,
      path: secret.setting ?? '',
      message:
        `secret ${secret.name} is not set (${kind[secret.side]}` +
        `${secret.setting ? '' : ` every ${channel} source needs`}): add a line ${secret.name}=<value> to ` +
        `${display(io, fileOf[secret.side])} or set it in the environment`,
    }));
  });
}

/**
 * `leadgate sources preview <sourceId> <payload file | ->`: the exact Leadsin body (or the field
 * errors) the source's mapping makes of a sample payload. Exit 1 when the lead would be refused.
 */
export async function preview({ io, json, space, args, values }: CommandContext): Promise<number> {
  const [sourceId, file] = args;
  if (!sourceId || !file) throw new UsageError('say which source and which payload file (or - for stdin)');
  if (args.length > 2) throw new UsageError(`unexpected argument: ${args[2]}`);
  const source = loadSource(io, space, sourceId);
  const payload = file === '-' ? await io.stdin() : readPayload(io, file);
  const names = customFieldNames(io, space);
  let leads: LeadPreview[];
  try {
    leads = await previewLeads(source, payload, {
      referer: stringOption(values, 'referer'),
      customFieldId: names.lookup,
    });
  } catch (error) {
    if (error instanceof PayloadError) {
      throw new CliError(`the payload cannot be read as a ${source.channel} lead: ${error.message}`);
    }
    throw error;
  }
  const ok = leads.every((lead) => lead.result.ok);
  if (json) {
    printJson(io, {
      sourceId: source.id,
      channel: source.channel,
      customFields: names.origin,
      leads: leads.map((lead) => ({
        ok: lead.result.ok,
        ...(lead.result.ok ? { body: lead.result.body } : { errors: lead.result.errors }),
        spam: lead.spam,
        unresolved: lead.unresolved,
        fields: lead.input.fields,
        context: lead.input.context,
      })),
    });
    return ok ? 0 : 1;
  }
  printPreview(io, source, leads, names.origin);
  return ok ? 0 : 1;
}

function printPreview(io: Io, source: Source, leads: LeadPreview[], origin: string | undefined): void {
  const style = styles(io);
  leads.forEach((lead, index) => {
    const label = leads.length > 1 ? ` (lead ${index + 1} of ${leads.length})` : '';
    const fieldNames = Object.keys(lead.input.fields);
    io.out(
      style.dim(
        `${source.id} (${source.channel})${label}: ${plural(fieldNames.length, 'input field')}` +
          `${fieldNames.length > 0 ? `: ${fieldNames.join(', ')}` : ''}`,
      ),
    );
    if (lead.spam) {
      io.out(
        style.warn(`the honeypot field ${source.form?.honeypot} is filled in: this lead is dropped as spam`),
      );
    }
    if (lead.result.ok) {
      io.out(style.ok('✔ Leadsin body:'));
      io.out(JSON.stringify(lead.result.body, null, 2));
      if (lead.unresolved.length > 0) {
        io.out(
          style.warn(
            `custom field ${lead.unresolved.map((name) => `"${name}"`).join(', ')} not resolved: ` +
              'no sources/custom-fields.json yet (run leadgate fields pull)',
          ),
        );
      } else if (origin) io.out(style.dim(`custom field names resolved with ${origin}`));
    } else {
      io.out(
        style.bad(
          `✘ this lead would be refused (${source.channel === 'form' ? '422' : 'parked in the DLQ'}):`,
        ),
      );
      for (const [field, problem] of Object.entries(lead.result.errors)) io.out(`  ${field}: ${problem}`);
    }
    if (index < leads.length - 1) io.out('');
  });
}

/** Loads one source by id; its own problems (or an unknown id) are a `CliError`. */
export function loadSource(io: Io, space: Workspace, sourceId: string): Source {
  const { sources, problems } = checkSources(space.sourcesDir);
  const source = sources.get(sourceId);
  if (source) return source;
  const own = problems.filter((problem) => basename(problem.file).replace(/\.ya?ml$/, '') === sourceId);
  if (own.length > 0) {
    const file = own[0]?.file ?? sourceId;
    throw new CliError(`the source ${sourceId} is invalid: its file ${file} on disk does not validate`, {
      details: [
        ...own.map(formatProblem),
        'nothing was previewed: fix the file and run this again. Meanwhile a running leadgate keeps',
        'serving the last version of this source that validated (if it had one) and shows these problems.',
      ],
    });
  }
  const known = [...sources.keys()];
  throw new CliError(`no source "${sourceId}" in ${display(io, space.sourcesDir)}/`, {
    details: [known.length > 0 ? `known sources: ${known.join(', ')}` : 'there are no valid sources'],
  });
}

/** The `name:` custom field resolver from the committed cache, when there is one. */
export function customFieldNames(
  io: Io,
  space: Workspace,
): { lookup: ((name: string) => string | undefined) | undefined; origin: string | undefined } {
  try {
    const cache = readCustomFieldsCache(space.customFieldsFile);
    return cache
      ? { lookup: cacheLookup(cache), origin: display(io, space.customFieldsFile) }
      : { lookup: undefined, origin: undefined };
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

function readPayload(io: Io, file: string): string {
  try {
    return readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${file}${code === 'ENOENT' ? ': no such file' : ` (${code})`}`);
  }
}

/** A path as the user would type it: relative to the working directory when inside it. */
export function display(io: Io, path: string): string {
  const rel = relative(io.cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}
