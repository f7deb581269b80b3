import type { LeadInput } from '#shared/envelope.ts';
import { compileMapping, type MapResult, prepareMapping } from '#shared/mapping/engine.ts';
import type { CustomFieldNames } from '#shared/onpipeline/custom-fields.ts';
import type { Source } from '#shared/sources/schema.ts';
import { count } from '#shared/telemetry.ts';

type Mapper = (input: LeadInput) => MapResult;

/**
 * Deliver counts the phone numbers the `e164` transform kept as typed (metric `phone_unparsed`, no
 * value logged). Only deliver counts, so a lead is not counted again by capture's dry run.
 */
const countUnparsedPhone = () => count('phone_unparsed');

/** Custom-field names are resolved in deliver; the dry run only checks everything else. */
const PLACEHOLDER_ID = '0';
const dryRuns = new WeakMap<Source, Mapper>();

/**
 * Runs a source's mapping without Onpipeline: what capture uses to answer 422 before it queues a
 * lead. `name:` custom fields are not resolved here (deliver resolves them through
 * ListCustomFields). The first lead of a source compiles its mapping, loading the phone rules first
 * when it uses `e164` (`prepareMapping`).
 *
 * @example
 * const result = await dryRun(source, { fields, context });
 * if (!result.ok) throw new HttpError(422, 'validation_failed', '...', { fields: result.errors });
 */
export async function dryRun(source: Source, input: LeadInput): Promise<MapResult> {
  let mapper = dryRuns.get(source);
  if (!mapper) {
    await prepareMapping(source.lead);
    mapper = compileMapping(source.lead, { customFieldId: () => PLACEHOLDER_ID });
    dryRuns.set(source, mapper);
  }
  return mapper(input);
}

/**
 * The mappers deliver uses: compiled once per source config and per custom-field list, with `name:`
 * entries resolved through Onpipeline's ListCustomFields (only for sources that use names), after
 * loading the phone rules when the mapping uses `e164` (`prepareMapping`).
 *
 * @example
 * const mappers = deliveryMappers(customFieldNames(client));
 * const result = (await mappers.for(source))(envelope);
 */
export function deliveryMappers(names: CustomFieldNames) {
  const plain = new WeakMap<Source, Mapper>();
  const named = new WeakMap<Source, { lookup: (name: string) => string | undefined; mapper: Mapper }>();
  return {
    async for(source: Source): Promise<Mapper> {
      const usesNames = source.lead.Extra?.some((extra) => extra.name !== undefined) ?? false;
      if (!usesNames) {
        let mapper = plain.get(source);
        if (!mapper) {
          await prepareMapping(source.lead);
          mapper = compileMapping(source.lead, { onUnparsedPhone: countUnparsedPhone });
          plain.set(source, mapper);
        }
        return mapper;
      }
      const lookup = await names.lookup();
      const cached = named.get(source);
      if (cached && cached.lookup === lookup) return cached.mapper;
      await prepareMapping(source.lead);
      const mapper = compileMapping(source.lead, {
        customFieldId: lookup,
        onUnparsedPhone: countUnparsedPhone,
      });
      named.set(source, { lookup, mapper });
      return mapper;
    },
  };
}
