import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LeadInput } from '#shared/envelope.ts';
import { compileMapping, type MapResult, mapLead } from '#shared/mapping/engine.ts';
import { loadPhoneRules } from '#shared/mapping/phone.ts';
import { leadsinBodySchema } from '#shared/onpipeline/schema.ts';
import { type LeadMapping, leadMappingSchema, transforms } from '#shared/sources/schema.ts';

// the generated mappings use e164, whose rules load on first use (docs/architecture.md, "Cold start")
beforeAll(loadPhoneRules);

const hostileNames = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];

function mappingOf(lead: unknown): LeadMapping {
  return leadMappingSchema.parse(lead);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

/** The body passes leadsinBodySchema unchanged whenever the engine says ok. */
function expectConsistent(result: MapResult): void {
  if (result.ok) {
    expect(leadsinBodySchema.parse(result.body)).toEqual(result.body);
  } else {
    expect(Object.keys(result.errors).length).toBeGreaterThan(0);
    for (const message of Object.values(result.errors)) expect(typeof message).toBe('string');
  }
}

describe('hostile field names', () => {
  it('reads an own __proto__ field (JSON.parse makes it an own property)', () => {
    // Prepare
    const input = deepFreeze({
      fields: JSON.parse('{"__proto__":"Mike","constructor":"Smith"}'),
      context: {},
    });

    // Act
    const result = mapLead(mappingOf({ FirstName: { from: '__proto__' }, LastName: 'constructor' }), input);

    // Assess
    expect(result).toEqual({ ok: true, body: { FirstName: 'Mike', LastName: 'Smith' } });
  });

  it.each(hostileNames)('never reads an inherited %s (fields, template, context)', (name) => {
    // Prepare
    const mapping = mappingOf({
      FirstName: { from: name, default: 'none' },
      LastName: { template: `{{${name}}}`, default: 'none' },
      OrgName: `$${name.replace(/^_+/, '')}`,
    });

    // Act
    const results = [
      mapLead(mapping, { fields: {}, context: {} }),
      mapLead(mapping, { fields: Object.create(null), context: Object.create(null) }),
    ];

    // Assess
    for (const result of results) {
      expect(result).toEqual({ ok: true, body: { FirstName: 'none', LastName: 'none' } });
    }
  });

  it('reads null-prototype inputs', () => {
    // Prepare
    const fields = Object.assign(Object.create(null), { first_name: 'Mike', last_name: 'Smith' });
    const context = Object.assign(Object.create(null), { 'utm.campaign': 'spring' });
    const mapping = mappingOf({ FirstName: 'first_name', LastName: 'last_name', OrgName: '$utm.campaign' });

    // Act
    const result = mapLead(mapping, { fields, context });

    // Assess
    expect(result).toEqual({ ok: true, body: { FirstName: 'Mike', LastName: 'Smith', OrgName: 'spring' } });
  });

  it('keeps a __proto__ key of a map table as an ordinary key (when the table has one)', () => {
    // Prepare: zod drops a `__proto__` record key, so build the parsed mapping by hand
    const mapping = {
      FirstName: { from: 'x', map: JSON.parse('{"__proto__":"P"}') },
      LastName: 'x',
    } as LeadMapping;

    // Act
    const result = mapLead(mapping, { fields: { x: '__proto__' }, context: {} });

    // Assess
    expect(result).toEqual({ ok: true, body: { FirstName: 'P', LastName: '__proto__' } });
  });
});

describe('inputs of the wrong shape', () => {
  const map = compileMapping(
    mappingOf({
      FirstName: { from: 'f', default: '-' },
      LastName: { template: '{{l}} {{$c}}', default: '-' },
      Email: [{ from: 'e' }],
    }),
  );

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'lead'],
    ['no fields', { context: {} }],
    ['null fields and context', { fields: null, context: null }],
    ['array fields', { fields: ['x'], context: [] }],
    ['non-string values', { fields: { f: 5, l: { x: 1 }, e: [1, null, ['nested']] }, context: { c: 7 } }],
  ])('maps %s without throwing', (_case, input) => {
    // Act
    const result = map(input as unknown as LeadInput);

    // Assess
    expect(result).toEqual({ ok: true, body: { FirstName: '-', LastName: '-' } });
  });
});

describe('huge values', () => {
  it('maps multi-megabyte values through every step without throwing', () => {
    // Prepare
    const huge = `${'  mIKE o’neil-smith\t\n'.repeat(200_000)}+34 600`;
    const mapping = mappingOf({
      FirstName: { from: 'x', part: 'first', transform: ['title', 'collapse'] },
      LastName: { template: '{{x}} {{x}}', transform: ['digits', 'upper', 'lower', 'trim'], map: { a: 'b' } },
      OrgName: { from: 'list', part: 'last' },
    });
    const input = deepFreeze({
      fields: { x: huge, list: Array(1000).fill(huge.slice(0, 1000)) },
      context: {},
    });

    // Act (how long this takes is measured in bench/mapping.ts, "huge values": no clock in a test)
    const result = mapLead(mapping, input);

    // Assess
    expectConsistent(result);
    expect(result.ok && result.body.FirstName).toBe('Mike');
    expect(result.ok && result.body.LastName).toBe('34600'.repeat(2));
  });
});

const fieldName = fc.constantFrom('a', 'b', 'full_name', 'topics', ...hostileNames);
const contextName = fc.constantFrom('$utm.campaign', '$ip', '$constructor', '$toString');
const scalar = fc.oneof(
  fc.constantFrom('', ' ', 'Mike', ' mary ANN smith ', "o'neil", '+34 600', 'Spain', '€5', '\u00a0', '\n'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const fieldValue = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 5, {}, [1, null]) },
);
const expression = fc.oneof(
  fieldName,
  contextName,
  fc.record(
    {
      from: fc.oneof(
        fieldName,
        contextName,
        fc.array(fc.oneof(fieldName, contextName), { minLength: 1, maxLength: 3 }),
      ),
      part: fc.constantFrom('first', 'last'),
      transform: fc.oneof(
        fc.constantFrom(...transforms),
        fc.array(fc.constantFrom(...transforms), { maxLength: 3 }),
      ),
      map: fc.dictionary(scalar, fc.oneof(scalar, fc.integer(), fc.boolean()), { maxKeys: 3 }),
      default: fc.oneof(scalar, fc.integer()),
    },
    { requiredKeys: ['from'] },
  ),
  fc.record(
    {
      template: fc.constantFrom('{{a}} {{b}}', '{{ $utm.campaign }}-{{topics}}', 'x {{constructor}}', '{{}}'),
    },
    { requiredKeys: ['template'] },
  ),
  fc.record({
    value: fc.oneof(scalar, fc.integer(), fc.boolean()),
    transform: fc.constantFrom(...transforms),
  }),
);
const mappingArbitrary = fc.record(
  {
    FirstName: expression,
    LastName: expression,
    OrgName: expression,
    City: expression,
    Email: fc.array(fc.record({ from: fieldName, type: fc.constantFrom('work', 'home', 'other') }), {
      maxLength: 2,
    }),
    Phone: fc.array(fc.record({ from: fieldName, transform: fc.constant('digits') }), { maxLength: 2 }),
    Extra: fc.array(
      fc.oneof(
        fc.record({ id: fc.constantFrom('1', '22'), from: fc.oneof(fieldName, contextName) }),
        fc.record({ name: fc.constantFrom('Known', 'Unknown'), from: fieldName }),
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ['FirstName', 'LastName'] },
);
const inputArbitrary = fc.record({
  fields: fc.dictionary(fieldName, fieldValue, { maxKeys: 8 }),
  context: fc.dictionary(fc.constantFrom('utm.campaign', 'ip', 'constructor'), scalar, { maxKeys: 3 }),
});

describe('any mapping, any input', () => {
  it('never throws, never mutates the input, and ok bodies always pass leadsinBodySchema', () => {
    // Prepare
    const options = { customFieldId: (name: string) => (name === 'Known' ? '333' : undefined) };

    // Assess
    fc.assert(
      fc.property(mappingArbitrary, inputArbitrary, (lead, input) => {
        const parsed = leadMappingSchema.safeParse(lead);
        fc.pre(parsed.success);
        // some values are deliberately not field values: the engine must cope with them anyway
        const frozen = deepFreeze(structuredClone(input)) as unknown as LeadInput;
        const result = compileMapping(parsed.data, options)(frozen);
        expectConsistent(result);
        expect(frozen).toEqual(input);
      }),
      { numRuns: 3000 },
    );
  });
});
