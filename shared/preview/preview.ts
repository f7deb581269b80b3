import type { LeadInput } from '#shared/envelope.ts';
import { compileMapping, prepareMapping } from '#shared/mapping/engine.ts';
import type { LeadsinBody } from '#shared/onpipeline/schema.ts';
import { leadInputs, type ReadOptions } from '#shared/preview/payloads.ts';
import type { Source } from '#shared/sources/schema.ts';

/**
 * What a source's mapping makes of a sample payload: the exact `Leadsin` body deliver would send, or
 * the field errors that would refuse the lead (422 for forms and partners) or park it. Shared by
 * `leadgate sources preview` and the dashboard's mapping playground.
 */
export interface LeadPreview {
  /** The input fields and `$` context the channel read from the payload. */
  input: LeadInput;
  /** A form's honeypot was filled in: the lead would be dropped as spam (the body is shown anyway). */
  spam: boolean;
  result: { ok: true; body: LeadsinBody } | { ok: false; errors: Record<string, string> };
  /** `name:` custom fields shown as `<unresolved: …>` because no custom-field list was available. */
  unresolved: string[];
}

export interface PreviewOptions extends ReadOptions {
  /**
   * Resolves `name:` custom fields to IDs (the committed cache, or Onpipeline itself). Without one,
   * names are shown as unresolved; with one, an unknown name is an error, as in deliver.
   */
  customFieldId?: ((name: string) => string | undefined) | undefined;
}

/** Placeholder IDs stand in for unresolved names while mapping, then are shown as the names. */
const PLACEHOLDER_PREFIX = '0000000000';

/** How an unresolved `name:` custom field appears in a previewed body's `Extra[].ID`. */
export function unresolvedId(name: string): string {
  return `<unresolved: ${name}>`;
}

/**
 * Previews every lead of a sample payload (partner batches and TikTok notifications may carry
 * several). Throws `PayloadError` when the payload cannot be read as the source's channel reads it.
 *
 * @example
 * const [lead] = await previewLeads(source, '{"first_name":"Ana","last_name":"Ruiz"}');
 * if (lead.result.ok) console.log(lead.result.body);
 */
export async function previewLeads(
  source: Source,
  payload: string,
  options: PreviewOptions = {},
): Promise<LeadPreview[]> {
  const leads = await leadInputs(source, payload, options);
  await prepareMapping(source.lead);
  const map = previewMapper(source, options.customFieldId);
  return leads.map(({ input, spam }) => map(input, spam === true));
}

/**
 * Previews one lead's input as it is (fields and context already read), e.g. a parked lead's
 * envelope: what the current config makes of it.
 *
 * @example
 * const preview = await previewInput(source, envelope, { customFieldId });
 */
export async function previewInput(
  source: Source,
  input: LeadInput,
  options: Pick<PreviewOptions, 'customFieldId'> = {},
): Promise<LeadPreview> {
  await prepareMapping(source.lead);
  return previewMapper(source, options.customFieldId)(input, false);
}

function previewMapper(
  source: Source,
  customFieldId: PreviewOptions['customFieldId'],
): (input: LeadInput, spam: boolean) => LeadPreview {
  const placeholders = new Map<string, string>();
  const lookup =
    customFieldId ??
    ((name: string) => {
      let id = placeholders.get(name);
      if (id === undefined) {
        id = `${PLACEHOLDER_PREFIX}${placeholders.size + 1}`;
        placeholders.set(name, id);
      }
      return id;
    });
  const map = compileMapping(source.lead, { customFieldId: lookup });
  const names = new Map([...placeholders].map(([name, id]) => [id, name]));
  return (input, spam) => {
    const result = map(input);
    if (!result.ok) return { input, spam, result, unresolved: [...placeholders.keys()] };
    const body = result.body;
    const unresolved: string[] = [];
    if (body.Extra && names.size > 0) {
      body.Extra = body.Extra.map((extra) => {
        const name = names.get(extra.ID);
        if (name === undefined) return extra;
        unresolved.push(name);
        return { ...extra, ID: unresolvedId(name) };
      });
    }
    return { input, spam, result: { ok: true, body }, unresolved };
  };
}
