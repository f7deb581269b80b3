import type { LeadInput } from '#shared/envelope.ts';
import {
  type CompiledExpression,
  compileExpression,
  type ExpressionHooks,
  type ValueRecord,
} from '#shared/mapping/expression.ts';
import { loadPhoneRules, mappingNeedsPhoneRules } from '#shared/mapping/phone.ts';
import { isValidLeadsinBody, validateLeadsinBody } from '#shared/mapping/validate.ts';
import type { LeadsinTextField } from '#shared/onpipeline/fields.ts';
import { leadsinTextFields } from '#shared/onpipeline/fields.ts';
import type { LeadsinBody } from '#shared/onpipeline/schema.ts';
import type { LeadMapping } from '#shared/sources/schema.ts';

/**
 * The mapping engine: a source's `lead:` mapping + one lead's input → an Onpipeline `Leadsin` body, or
 * every reason it cannot be one.
 *
 * - Text fields (FirstName, LastName, OrgName, AddressLine1/2, Postcode, City, Region, Country): an
 *   absent value (see `compileExpression`: '' after trimming) is left out of the body; FirstName and
 *   LastName are required and an absent one is an error saying where the value was expected from.
 * - Email / Phone: each item becomes `{ Address|Number, Type }`; items whose value is absent are left
 *   out, and a list left empty is left out of the body.
 * - Extra: each item becomes `{ ID, Value }`; items whose value is absent are left out. `name:` items
 *   are resolved to IDs once, at compile time, through `options.customFieldId`. A name that does not
 *   resolve (or no resolver at all) makes EVERY lead of the source fail with an error at `Extra[i]`,
 *   whether or not this lead has a value: it is a config problem to fix, not a property of the lead.
 * - Errors are keyed by Leadsin path (`FirstName`, `Extra[2]`, `Email[0].Address`); the index of an
 *   `Extra[i]` config error is the item's position in the mapping's list. All errors are collected.
 * - The body is finally validated against `leadsinBodySchema` (see `validate.ts`); its issues join the
 *   errors map under the same kind of keys.
 * - The compiled function never throws and never mutates its input.
 * - A mapping that uses the `e164` transform needs the phone rules, loaded on first use: `await
 *   prepareMapping(mapping)` before `compileMapping`, which throws (a programming error) otherwise.
 */

/** Resolves a custom field's name (`name: "Lead source"`) to its Onpipeline ID; `undefined` if unknown. */
export type CustomFieldIdResolver = (name: string) => string | undefined;
export type MapResult = { ok: true; body: LeadsinBody } | { ok: false; errors: Record<string, string> };
export interface CompileOptions extends ExpressionHooks {
  /** Resolves `name:` custom fields (Extra items) to IDs, e.g. from `leadgate fields pull`'s list. */
  customFieldId?: CustomFieldIdResolver;
}
export type MapFunction = (input: LeadInput) => MapResult;

interface TextField {
  field: LeadsinTextField;
  required: boolean;
  expression: CompiledExpression;
}
interface ListItem {
  expression: CompiledExpression;
  type: string;
}
type ExtraItem = { key: string; expression: CompiledExpression } & (
  | { id: string; error?: undefined }
  | { id?: undefined; error: string }
);

const requiredFields: ReadonlySet<LeadsinTextField> = new Set(['FirstName', 'LastName']);
const numericId = /^\d+$/;
const noValues: ValueRecord = Object.freeze(Object.create(null));
const noMapping: CompiledExpression = {
  evaluate: () => '',
  explain: () => 'the source config has no mapping for it',
};

function unknownFieldMessage(name: string): string {
  return `custom field "${name}" is not defined in Onpipeline (check the name or run leadgate fields pull)`;
}

function resolveName(name: string, resolver: CustomFieldIdResolver | undefined): string | undefined {
  try {
    return resolver?.(name);
  } catch {
    return undefined; // a resolver that fails resolves nothing
  }
}

function compileExtra(
  item: NonNullable<LeadMapping['Extra']>[number],
  index: number,
  options: CompileOptions,
): ExtraItem {
  const key = `Extra[${index}]`;
  const expression = compileExpression(item, options);
  if (item.id !== undefined) {
    const id = String(item.id);
    return numericId.test(id)
      ? { key, expression, id }
      : { key, expression, error: `custom field ID "${id}" is not numeric: use the ID Onpipeline shows` };
  }
  if (item.name === undefined) return { key, expression, error: 'a custom field needs an id or a name' };
  const id = resolveName(item.name, options.customFieldId);
  if (id === undefined) return { key, expression, error: unknownFieldMessage(item.name) };
  return numericId.test(id)
    ? { key, expression, id }
    : {
        key,
        expression,
        error: `custom field "${item.name}" resolved to "${id}", which is not a numeric ID`,
      };
}

function valuesOf(value: unknown): ValueRecord {
  return typeof value === 'object' && value !== null ? (value as ValueRecord) : noValues;
}

function describeFailure(error: unknown): string {
  return error instanceof Error ? error.message : 'unexpected error';
}

/**
 * Loads what compiling `mapping` needs and is loaded on first use: the phone rules when it uses the
 * `e164` transform (`mappingNeedsPhoneRules`), nothing otherwise (docs/architecture.md, "Cold start").
 * Call it before `compileMapping`; it is cheap to call again.
 *
 * @example
 * await prepareMapping(source.lead);
 * const map = compileMapping(source.lead);
 */
export async function prepareMapping(mapping: LeadMapping): Promise<void> {
  if (mappingNeedsPhoneRules(mapping)) await loadPhoneRules();
}

/**
 * Compiles a source's `lead:` mapping once (at config load) into a fast function from one lead's input
 * to its `Leadsin` body or its errors. `mapping` is the zod OUTPUT of `leadMappingSchema` (defaults
 * applied). See the module comment for the rules and `compileExpression` for value expressions.
 * Throws if `mapping` uses `e164` and the phone rules are not loaded: `await prepareMapping(mapping)`
 * first.
 *
 * @example
 * await prepareMapping(mapping);
 * const map = compileMapping(leadMappingSchema.parse({ FirstName: 'first_name', LastName: 'last_name' }));
 * map({ fields: { first_name: 'Mike', last_name: 'Smith' }, context: {} });
 * // { ok: true, body: { FirstName: 'Mike', LastName: 'Smith' } }
 * map({ fields: {}, context: {} });
 * // { ok: false, errors: { FirstName: 'required, but first_name has no value', LastName: '...' } }
 */
export function compileMapping(mapping: LeadMapping, options: CompileOptions = {}): MapFunction {
  const text: TextField[] = [];
  for (const field of leadsinTextFields) {
    const required = requiredFields.has(field);
    const expression = mapping[field];
    if (expression !== undefined)
      text.push({ field, required, expression: compileExpression(expression, options) });
    else if (required) text.push({ field, required, expression: noMapping });
  }
  const emails: ListItem[] = (mapping.Email ?? []).map((item) => ({
    expression: compileExpression(item, options),
    type: item.type ?? 'work',
  }));
  const phones: ListItem[] = (mapping.Phone ?? []).map((item) => ({
    expression: compileExpression(item, options),
    type: item.type ?? 'mobile',
  }));
  const extras = (mapping.Extra ?? []).map((item, index) => compileExtra(item, index, options));

  function run(input: LeadInput): MapResult {
    const fields = valuesOf(input?.fields);
    const context = valuesOf(input?.context);
    const body: Record<string, unknown> = {};
    let errors: Record<string, string> | undefined;

    for (const { field, required, expression } of text) {
      const value = expression.evaluate(fields, context);
      if (value !== '') body[field] = value;
      else if (required) {
        errors ??= {};
        errors[field] = `required, but ${expression.explain(fields, context)}`;
      }
    }
    if (emails.length > 0) {
      const list: { Address: string; Type: string }[] = [];
      for (const { expression, type } of emails) {
        const value = expression.evaluate(fields, context);
        if (value !== '') list.push({ Address: value, Type: type });
      }
      if (list.length > 0) body.Email = list;
    }
    if (phones.length > 0) {
      const list: { Number: string; Type: string }[] = [];
      for (const { expression, type } of phones) {
        const value = expression.evaluate(fields, context);
        if (value !== '') list.push({ Number: value, Type: type });
      }
      if (list.length > 0) body.Phone = list;
    }
    if (extras.length > 0) {
      const list: { ID: string; Value: string }[] = [];
      for (const item of extras) {
        if (item.id === undefined) {
          errors ??= {};
          errors[item.key] = item.error;
          continue;
        }
        const value = item.expression.evaluate(fields, context);
        if (value !== '') list.push({ ID: item.id, Value: value });
      }
      if (list.length > 0) body.Extra = list;
    }

    if (errors === undefined) {
      const issues: Record<string, string> = {};
      return validateLeadsinBody(body, issues)
        ? { ok: true, body: body as LeadsinBody }
        : { ok: false, errors: issues };
    }
    // The required fields left out are explained already; ask zod only if something else is wrong too.
    if (!isValidLeadsinBody({ FirstName: '-', LastName: '-', ...body })) validateLeadsinBody(body, errors);
    return { ok: false, errors };
  }

  return (input) => {
    try {
      return run(input);
    } catch (error) {
      // Unreachable by design (every step is total); a lead must still get an answer, not a crash.
      return { ok: false, errors: { body: `could not be mapped (${describeFailure(error)})` } };
    }
  };
}

/**
 * Compiles `mapping` and maps one lead with it: for one-off use (tests, `leadgate` dry runs). Compile
 * once with `compileMapping` when mapping many leads. Like `compileMapping`, it needs
 * `prepareMapping(mapping)` first when the mapping uses `e164`.
 *
 * @example
 * const mapping = leadMappingSchema.parse({ FirstName: 'first_name', LastName: { from: 'surname', default: '-' } });
 * mapLead(mapping, { fields: { first_name: 'Mike' }, context: {} });
 * // { ok: true, body: { FirstName: 'Mike', LastName: '-' } }
 */
export function mapLead(mapping: LeadMapping, input: LeadInput, options?: CompileOptions): MapResult {
  return compileMapping(mapping, options)(input);
}
