import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LeadInput } from '#shared/envelope.ts';
import { type CompileOptions, compileMapping, type MapResult } from '#shared/mapping/engine.ts';
import { loadPhoneRules } from '#shared/mapping/phone.ts';
import { emailTypes, leadsinBodySchema, leadsinTextFields, phoneTypes } from '#shared/onpipeline/schema.ts';
import { loadSources } from '#shared/sources/loader.ts';
import { type LeadMapping, leadMappingSchema, transforms } from '#shared/sources/schema.ts';
import { sourcesFrom } from '#test/support/channels.ts';
import { fuzzSourceFiles } from '#test/support/fuzz/sources.ts';
import { prototypeKeys, text } from '#test/support/fuzz/text.ts';

// the generated mappings use e164, whose rules load on first use (docs/architecture.md, "Cold start")
beforeAll(loadPhoneRules);

/** Where the engine may report an error: a Leadsin path, or `body`. */
const leadsinPath = new RegExp(
  `^(${leadsinTextFields.join('|')}|body|(Email|Phone|Extra)(\\[\\d+\\](\\.[A-Za-z]+)?)?)$`,
);
/** The engine's last-resort answer when something threw inside: must never be reached. */
const CATCH_ALL = /could not be mapped/;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

/** Every way a result breaks the engine's contract (none: it keeps it). */
function resultProblems(result: MapResult): string[] {
  const problems: string[] = [];
  if (result.ok) {
    const parsed = leadsinBodySchema.safeParse(result.body);
    if (!parsed.success) problems.push(`ok body fails leadsinBodySchema: ${parsed.error.issues[0]?.message}`);
    else if (!isDeepStrictEqual(parsed.data, result.body)) problems.push('zod changes the ok body');
    for (const field of leadsinTextFields) {
      const value = result.body[field];
      if (value !== undefined && (value === '' || value !== value.trim()))
        problems.push(`${field} is "${value}"`);
    }
    for (const list of ['Email', 'Phone', 'Extra'] as const) {
      if (result.body[list]?.length === 0) problems.push(`${list} is an empty list`);
    }
  } else {
    const entries = Object.entries(result.errors);
    if (entries.length === 0) problems.push('not ok, but no errors');
    for (const [path, message] of entries) {
      if (!leadsinPath.test(path)) problems.push(`error at "${path}", not a Leadsin path`);
      if (typeof message !== 'string' || message === '') problems.push(`empty message at ${path}`);
      if (CATCH_ALL.test(message)) problems.push(`the engine threw: ${message}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// Mappings drawn from valid configs (what `leadMappingSchema` accepts, as YAML would give it)

const inputName = fc.oneof(
  fc.constantFrom('first_name', 'last_name', 'full_name', 'email', 'phone', 'company', 'topics', 'zip'),
  fc.constantFrom(...prototypeKeys),
  fc.string({ minLength: 1, maxLength: 8 }),
);
const contextName = fc.constantFrom(
  '$utm.campaign',
  '$utm.source',
  '$click.gclid',
  '$ip',
  '$referer',
  '$receivedAt',
  '$source',
  '$google.campaign_id',
  '$meta.form_id',
  '$constructor',
  '$toString',
);
const reference = fc.oneof({ weight: 3, arbitrary: inputName }, { weight: 1, arbitrary: contextName });
const constant = fc.oneof(
  text,
  fc.integer(),
  fc.boolean(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const template = fc
  .array(
    fc.oneof(
      reference.map((name) => `{{${name}}}`),
      text,
      fc.constantFrom('{{ }}', '{{', '}}', ' '),
    ),
    {
      minLength: 1,
      maxLength: 5,
    },
  )
  .map((parts) => parts.join(''));
const transform = fc.oneof(
  fc.constantFrom(...transforms),
  fc.array(fc.constantFrom(...transforms), { maxLength: 4 }),
);
const refinements = {
  transform,
  map: fc.dictionary(fc.oneof(text, fc.constantFrom(...prototypeKeys)), constant, { maxKeys: 4 }),
  default: constant,
};
const expressionObject = fc.oneof(
  fc.record(
    {
      from: fc.oneof(reference, fc.array(reference, { minLength: 1, maxLength: 3 })),
      part: fc.constantFrom('first', 'last'),
      ...refinements,
    },
    { requiredKeys: ['from'] },
  ),
  fc.record({ value: constant, ...refinements }, { requiredKeys: ['value'] }),
  fc.record({ template, ...refinements }, { requiredKeys: ['template'] }),
  fc.record({ default: constant, transform }, { requiredKeys: ['default'] }),
);
const expression = fc.oneof(reference, expressionObject);
const listItem = <T extends string>(types: readonly T[]) =>
  fc
    .tuple(expressionObject, fc.option(fc.constantFrom(...types), { nil: undefined }))
    .map(([item, type]) => ({
      ...item,
      ...(type ? { type } : {}),
    }));
const extraItem = fc
  .tuple(
    expressionObject,
    fc.oneof(
      fc.record({ id: fc.oneof(fc.constantFrom('1411084437', '0', '007'), fc.nat()) }),
      fc.record({ name: fc.oneof(fc.constantFrom('Lead source', 'Budget', 'Unknown'), text) }),
    ),
  )
  .map(([item, key]) => ({ ...item, ...key }));

/** Raw mappings (a YAML file's `lead:`), kept only when the config schema accepts them. */
const mapping: fc.Arbitrary<LeadMapping> = fc
  .record(
    {
      FirstName: expression,
      LastName: expression,
      OrgName: expression,
      AddressLine1: expression,
      Postcode: expression,
      City: expression,
      Country: expression,
      Email: fc.array(listItem(emailTypes), { maxLength: 3 }),
      Phone: fc.array(listItem(phoneTypes), { maxLength: 3 }),
      Extra: fc.array(extraItem, { maxLength: 4 }),
    },
    { requiredKeys: ['FirstName', 'LastName'] },
  )
  .map((raw) => leadMappingSchema.safeParse(raw))
  .filter((parsed) => parsed.success)
  .map((parsed) => parsed.data as LeadMapping);

/** The mappings of real configs: the shipped sources and the fuzz sources of every channel. */
function configMappings(): LeadMapping[] {
  const fuzz = sourcesFrom(fuzzSourceFiles);
  try {
    return [...loadSources('sources').values(), ...fuzz.sources.all()].map((source) => source.lead);
  } finally {
    fuzz.cleanup();
  }
}

// ---------------------------------------------------------------------------------------------------
// Inputs: what the channels produce, and worse

const fieldValue = fc.oneof(
  { weight: 5, arbitrary: text },
  { weight: 2, arbitrary: fc.array(text, { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom(' \u00a0\u2003\ufeff\u3000 ', '\t\n', 'x'.repeat(70_000)) },
  { weight: 1, arbitrary: fc.array(fc.constant('Pricing'), { minLength: 95, maxLength: 100 }) },
);
const fields = fc.dictionary(fc.oneof(inputName, fc.constantFrom('__proto__')), fieldValue, { maxKeys: 12 });
const context = fc.dictionary(
  fc.constantFrom(
    'utm.campaign',
    'utm.source',
    'click.gclid',
    'ip',
    'referer',
    'source',
    'google.campaign_id',
    'constructor',
  ),
  text,
  { maxKeys: 6 },
);
const input: fc.Arbitrary<LeadInput> = fc.record({ fields, context });

/** Custom field names the dry run and deliver resolve, and resolvers that misbehave. */
const resolver: fc.Arbitrary<CompileOptions> = fc.constantFrom<CompileOptions>(
  {},
  { customFieldId: () => '0' },
  { customFieldId: (name) => (name === 'Lead source' ? '1411084439' : undefined) },
  { customFieldId: () => 'not-a-number' },
  {
    customFieldId: () => {
      throw new Error('ListCustomFields failed');
    },
  },
);

describe('compileMapping: any valid mapping, any input', () => {
  it('never throws, and an ok body always passes leadsinBodySchema unchanged', () => {
    fc.assert(
      fc.property(mapping, input, resolver, (lead, leadInput, options) => {
        // Prepare
        const frozen = deepFreeze(structuredClone(leadInput));

        // Act
        const map = compileMapping(lead, options);
        const first = map(frozen);
        const second = map(frozen);

        // Assess
        expect(resultProblems(first), JSON.stringify(lead)).toEqual([]);
        expect(second).toEqual(first);
        expect(frozen).toEqual(leadInput);
      }),
      { numRuns: 2000 },
    );
  });

  it('maps the shipped and the per-channel source configs without ever throwing', () => {
    // Prepare
    const mappers = configMappings().map((lead) => compileMapping(lead, { customFieldId: () => '0' }));

    fc.assert(
      fc.property(fc.constantFrom(...mappers), input, (map, leadInput) => {
        // Act
        const result = map(deepFreeze(leadInput));

        // Assess
        expect(resultProblems(result)).toEqual([]);
      }),
      { numRuns: 1500 },
    );
  });

  it('copes with input of the wrong shape (null, arrays, numbers, objects as values)', () => {
    // Prepare
    const odd = fc.oneof(
      fc.constantFrom(null, undefined, 5, 'lead', [], {}),
      fc.record({ fields: fc.anything({ maxDepth: 2 }), context: fc.anything({ maxDepth: 2 }) }),
      fc.record({ fields: fc.dictionary(inputName, fc.anything({ maxDepth: 2 })), context: fc.constant({}) }),
    );

    fc.assert(
      fc.property(mapping, odd, (lead, value) => {
        // Act
        const result = compileMapping(lead)(value as LeadInput);

        // Assess
        expect(resultProblems(result)).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});
