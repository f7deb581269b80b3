import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addIssues,
  formatLeadsinPath,
  isValidLeadsinBody,
  leadsinIssues,
  validateLeadsinBody,
} from '#shared/mapping/validate.ts';
import { emailTypes, leadsinBodySchema, leadsinTextFields, phoneTypes } from '#shared/onpipeline/schema.ts';

/** Mostly valid leaves, with every kind of invalid one mixed in, so both outcomes are common. */
const text = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom('Mike', ' Mike ', 'O’Neil', '2º B', '0') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('', ' ', '\n\t', '\u00a0', '\ufeff', '\u3000', '\u200b', '\u180e'),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, 5, true, ['x'], { x: 1 }) },
);
const type = (types: readonly string[]) =>
  fc.oneof(
    { weight: 30, arbitrary: fc.constantFrom(...types) },
    { weight: 1, arbitrary: fc.constantFrom('Work', 'mobile', 'fax', '', ' work', undefined, 1) },
  );
const id = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom('1411084437', '0', '007') },
  { weight: 2, arbitrary: fc.constantFrom('', ' 1', '1 ', '1\n', '12a', '1.5', '-1', '١٢', '1e3') },
  { weight: 1, arbitrary: fc.constantFrom(1, undefined, null) },
);
const extraKey = fc.oneof(
  { weight: 40, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.constantFrom({ Extra: 'x' }, { type: 'work' }, { value: undefined }) },
);
const item = <T extends Record<string, fc.Arbitrary<unknown>>>(shape: T) =>
  fc.oneof(
    {
      weight: 40,
      arbitrary: fc.tuple(fc.record(shape), extraKey).map(([value, more]) => ({ ...value, ...more })),
    },
    { weight: 1, arbitrary: fc.record(shape, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.constantFrom(null, 'x', [], 1) },
  );
const list = (items: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 30, arbitrary: fc.array(items, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom(null, 'x', {}) },
  );
const optionalTexts = Object.fromEntries(
  leadsinTextFields
    .filter((field) => field !== 'FirstName' && field !== 'LastName')
    .map((field) => [field, text]),
);
const bodyShape = {
  FirstName: text,
  LastName: text,
  ...optionalTexts,
  Phone: list(item({ Number: text, Type: type(phoneTypes) })),
  Email: list(item({ Address: text, Type: type(emailTypes) })),
  Extra: list(item({ ID: id, Value: text })),
};
const topLevelExtra = fc.oneof(
  { weight: 40, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.constantFrom({ Foo: 'x' }, { firstName: 'x' }, { Foo: undefined }) },
);
const bodyLike = fc.oneof(
  {
    weight: 30,
    arbitrary: fc
      .tuple(
        fc.oneof(
          { weight: 20, arbitrary: fc.record(bodyShape, { requiredKeys: ['FirstName', 'LastName'] }) },
          { weight: 1, arbitrary: fc.record(bodyShape, { requiredKeys: [] }) },
        ),
        topLevelExtra,
      )
      .map(([body, more]) => ({ ...body, ...more })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(null, undefined, 'body', 1, [], [{ FirstName: 'a', LastName: 'b' }]),
  },
);

/** Valid bodies only, to make sure the comparison sees plenty of them. */
const validBody = fc.record(
  {
    FirstName: fc.string({ minLength: 1 }).filter((value) => value.trim() !== ''),
    LastName: fc.constantFrom('Smith', ' Smith '),
    OrgName: fc.string(),
    Phone: fc.array(fc.record({ Number: fc.constant('+34600'), Type: fc.constantFrom(...phoneTypes) })),
    Email: fc.array(fc.record({ Address: fc.constant('a@b.c'), Type: fc.constantFrom(...emailTypes) })),
    Extra: fc.array(fc.record({ ID: fc.stringMatching(/^\d+$/), Value: fc.string() })),
  },
  { requiredKeys: ['FirstName', 'LastName'] },
);

/** The part of zod's issues the engine reports (and `leadsinIssues` returns). */
function zodIssues(body: unknown) {
  return (leadsinBodySchema.safeParse(body).error?.issues ?? []).map((issue) => ({
    code: issue.code,
    path: issue.path,
    message: issue.message,
    ...(issue.code === 'unrecognized_keys' ? { keys: issue.keys } : {}),
  }));
}

describe('leadsinIssues', () => {
  it('reports exactly the issues leadsinBodySchema reports, on many generated bodies', () => {
    // Prepare
    const seen = { valid: 0, invalid: 0 };

    // Assess
    fc.assert(
      fc.property(bodyLike, (body) => {
        const expected = zodIssues(body);
        seen[expected.length === 0 ? 'valid' : 'invalid']++;
        expect(leadsinIssues(body)).toEqual(expected);
      }),
      { numRuns: 20_000 },
    );
    expect(seen.valid).toBeGreaterThan(1000);
    expect(seen.invalid).toBeGreaterThan(1000);
  });

  it.each([
    ['a missing LastName', { FirstName: 'Mike' }],
    ['a blank FirstName and two unknown keys', { FirstName: ' ', LastName: 'S', Foo: 1, Bar: 2 }],
    ['a NaN city', { FirstName: 'M', LastName: 'S', City: Number.NaN }],
    ['a date as a name', { FirstName: new Date(0), LastName: 'S' }],
    ['an inherited unknown key', Object.assign(Object.create({ Foo: 1 }), { FirstName: 'M', LastName: 'S' })],
    [
      'a bad phone type and a bad custom field id',
      {
        FirstName: 'M',
        LastName: 'S',
        Phone: [{ Number: '1', Type: 'fax' }],
        Extra: [{ ID: '1a', Value: 'v' }],
      },
    ],
  ])('reports what zod reports for %s', (_name, body) => {
    // Assess
    expect(leadsinIssues(body)).toEqual(zodIssues(body));
    expect(leadsinIssues(body).length).toBeGreaterThan(0);
  });
});

describe('isValidLeadsinBody', () => {
  it('accepts exactly what leadsinBodySchema accepts, on many generated bodies', () => {
    // Prepare
    const seen = { valid: 0, invalid: 0 };

    // Assess
    fc.assert(
      fc.property(bodyLike, (body) => {
        const expected = leadsinBodySchema.safeParse(body).success;
        seen[expected ? 'valid' : 'invalid']++;
        expect(isValidLeadsinBody(body)).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
    expect(seen.valid).toBeGreaterThan(1000);
    expect(seen.invalid).toBeGreaterThan(1000);
  });

  it('accepts every generated valid body, as the schema does', () => {
    // Assess
    fc.assert(
      fc.property(validBody, (body) => {
        expect(leadsinBodySchema.safeParse(body).success).toBe(true);
        expect(isValidLeadsinBody(body)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['a valid body', { FirstName: 'Mike', LastName: 'Smith' }],
    ['a null-prototype body', Object.assign(Object.create(null), { FirstName: 'Mike', LastName: 'Smith' })],
    ['an own __proto__ key', JSON.parse('{"FirstName":"Mike","LastName":"Smith","__proto__":"x"}')],
    [
      'an inherited enumerable key',
      Object.assign(Object.create({ Foo: 1 }), { FirstName: 'M', LastName: 'S' }),
    ],
    [
      'optional keys set to undefined',
      { FirstName: 'M', LastName: 'S', OrgName: undefined, Email: undefined },
    ],
    ['a blank LastName', { FirstName: 'Mike', LastName: ' \n' }],
    ['a list with a hole', { FirstName: 'M', LastName: 'S', Extra: [undefined, { ID: '1', Value: '' }] }],
    ['an empty Value', { FirstName: 'M', LastName: 'S', Extra: [{ ID: '1', Value: '' }] }],
  ])('agrees with the schema on %s', (_case, body: unknown) => {
    // Act
    const result = isValidLeadsinBody(body);

    // Assess
    expect(result).toBe(leadsinBodySchema.safeParse(body).success);
  });
});

describe('formatLeadsinPath', () => {
  it.each([
    [['FirstName'], 'FirstName'],
    [['Email', 0, 'Address'], 'Email[0].Address'],
    [['Extra', 2], 'Extra[2]'],
    [[], 'body'],
  ])('formats %j as %j', (path: PropertyKey[], expected) => {
    // Act
    const result = formatLeadsinPath(path);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('addIssues', () => {
  it("turns zod's issues into Leadsin paths, one key per undeclared key", () => {
    // Prepare
    const body = {
      FirstName: ' ',
      Email: [{ Address: 'a@b.c', Type: 'fax' }],
      Extra: [{ ID: 'x1', Value: 'v', Other: 1 }],
      Foo: 1,
    };
    const errors: Record<string, string> = { FirstName: 'the engine said it first' };

    // Act
    addIssues(errors, leadsinBodySchema.safeParse(body).error?.issues ?? []);

    // Assess
    expect(errors).toEqual({
      FirstName: 'the engine said it first',
      LastName: 'Invalid input: expected string, received undefined',
      'Email[0].Type': 'Invalid option: expected one of "work"|"home"|"other"',
      'Extra[0].ID': 'custom field IDs are numeric strings',
      'Extra[0].Other': 'is not a Leadsin field',
      Foo: 'is not a Leadsin field',
    });
  });

  it('keeps a __proto__ path as an ordinary key', () => {
    // Prepare
    const errors: Record<string, string> = {};

    // Act
    addIssues(errors, [{ code: 'unrecognized_keys', path: [], keys: ['__proto__'], message: 'x' }]);

    // Assess
    expect(Object.hasOwn(errors, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(errors)).toBe(Object.prototype);
  });
});

describe('validateLeadsinBody', () => {
  it.each([
    [{ FirstName: 'Mike', LastName: 'Smith' }, true, {}],
    [{ FirstName: 'Mike' }, false, { LastName: 'Invalid input: expected string, received undefined' }],
    [{ FirstName: 'Mike', LastName: ' ' }, false, { LastName: 'must not be empty' }],
  ])('validates %j', (body, valid, errors) => {
    // Prepare
    const found: Record<string, string> = {};

    // Act
    const result = validateLeadsinBody(body, found);

    // Assess
    expect({ result, found }).toEqual({ result: valid, found: errors });
  });
});
