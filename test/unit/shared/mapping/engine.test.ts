import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import type { LeadInput } from '#shared/envelope.ts';
import { compileMapping, type MapResult, mapLead } from '#shared/mapping/engine.ts';
import { leadsinBodySchema } from '#shared/onpipeline/schema.ts';
import { type LeadMapping, leadMappingSchema } from '#shared/sources/schema.ts';

/** The `lead:` block of the example source of the design (docs/sources.md shows the same format), verbatim. */
const architectureExample = `
FirstName: first_name            # shorthand for { from: first_name }
LastName: { from: [last_name, surname], default: "-" }
OrgName: company
Postcode: { from: zip, transform: [trim, upper] }
Country: { value: ES }           # a constant
Email:
  - { from: email, type: work }
Phone:
  - { from: phone, type: mobile }
Extra:
  - { id: "1411084437", from: $utm.campaign }               # custom field by ID
  - { name: "Lead source", value: Website }                  # by name: resolved via ListCustomFields
`;

const customFields: Record<string, string> = { 'Lead source': '1411084500', Budget: '1411084501' };
const customFieldId = (name: string) => customFields[name];

function mappingOf(lead: unknown): LeadMapping {
  return leadMappingSchema.parse(lead);
}

function lead(fields: LeadInput['fields'], context: LeadInput['context'] = {}): LeadInput {
  return { fields, context };
}

function bodyOf(result: MapResult) {
  if (!result.ok) throw new Error(`expected a body, got ${JSON.stringify(result.errors)}`);
  expect(leadsinBodySchema.parse(result.body)).toEqual(result.body);
  return result.body;
}

function errorsOf(result: MapResult) {
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.body)}`);
  return result.errors;
}

describe('the example source of the design', () => {
  const map = compileMapping(mappingOf(parse(architectureExample)), { customFieldId });

  it('maps a complete website lead', () => {
    // Prepare
    const input = lead(
      {
        first_name: 'Mike',
        last_name: 'Smith',
        company: 'Acme Inc',
        zip: ' 28001-ab ',
        email: 'mike@example.com',
        phone: '+34 600 123 456',
      },
      { 'utm.campaign': 'spring-sale', ip: '203.0.113.7' },
    );

    // Act
    const result = map(input);

    // Assess
    expect(bodyOf(result)).toEqual({
      FirstName: 'Mike',
      LastName: 'Smith',
      OrgName: 'Acme Inc',
      Postcode: '28001-AB',
      Country: 'ES',
      Email: [{ Address: 'mike@example.com', Type: 'work' }],
      Phone: [{ Number: '+34 600 123 456', Type: 'mobile' }],
      Extra: [
        { ID: '1411084437', Value: 'spring-sale' },
        { ID: '1411084500', Value: 'Website' },
      ],
    });
  });

  it('maps a minimal lead: surname fallback, absent fields left out', () => {
    // Act
    const result = map(lead({ first_name: 'Ada', surname: 'Lovelace', company: ' ' }));

    // Assess
    expect(bodyOf(result)).toEqual({
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Country: 'ES',
      Extra: [{ ID: '1411084500', Value: 'Website' }],
    });
  });

  it('uses the LastName default', () => {
    // Act
    const result = map(lead({ first_name: 'Cher' }));

    // Assess
    expect(bodyOf(result)).toMatchObject({ FirstName: 'Cher', LastName: '-' });
  });

  it('says where FirstName was expected from', () => {
    // Act
    const result = map(lead({ last_name: 'Smith' }));

    // Assess
    expect(errorsOf(result)).toEqual({ FirstName: 'required, but first_name has no value' });
  });

  it('applies the schema defaults of Email and Phone types', () => {
    // Prepare
    const mapping = mappingOf({
      FirstName: 'f',
      LastName: 'l',
      Email: [{ from: 'e' }],
      Phone: [{ from: 'p' }],
    });

    // Act
    const result = mapLead(mapping, lead({ f: 'A', l: 'B', e: 'a@b.c', p: '1' }));

    // Assess
    expect(bodyOf(result)).toEqual({
      FirstName: 'A',
      LastName: 'B',
      Email: [{ Address: 'a@b.c', Type: 'work' }],
      Phone: [{ Number: '1', Type: 'mobile' }],
    });
  });
});

describe('text fields', () => {
  const map = compileMapping(
    mappingOf({
      FirstName: { from: 'full_name', part: 'first', transform: 'title' },
      LastName: { from: 'full_name', part: 'last', transform: 'title' },
      OrgName: 'company',
      AddressLine1: { template: '{{street}} {{number}}' },
      AddressLine2: 'floor',
      Postcode: { from: 'zip', transform: 'upper' },
      City: { from: 'city', transform: 'title' },
      Region: { from: 'region', map: { Madrid: 'Comunidad de Madrid' } },
      Country: { from: ['country', '$geo.country'], map: { Spain: 'ES' }, default: 'ES' },
    }),
  );

  it('fills every text field', () => {
    // Prepare
    const input = lead({
      full_name: 'mary ann SMITH',
      company: 'Acme',
      street: 'Calle Mayor',
      number: '5',
      floor: '2º B',
      zip: 'e1 6an',
      city: 'SAN SEBASTIÁN',
      region: 'Madrid',
      country: 'Spain',
    });

    // Act
    const result = map(input);

    // Assess
    expect(bodyOf(result)).toEqual({
      FirstName: 'Mary',
      LastName: 'Ann Smith',
      OrgName: 'Acme',
      AddressLine1: 'Calle Mayor 5',
      AddressLine2: '2º B',
      Postcode: 'E1 6AN',
      City: 'San Sebastián',
      Region: 'Comunidad de Madrid',
      Country: 'ES',
    });
  });

  it('leaves absent optional fields out of the body (no empty strings, no undefined keys)', () => {
    // Act
    const body = bodyOf(map(lead({ full_name: 'Mike Smith', company: '  ', street: '' })));

    // Assess
    expect(Object.keys(body)).toEqual(['FirstName', 'LastName', 'Country']);
  });

  it('reads context values', () => {
    // Act
    const body = bodyOf(map(lead({ full_name: 'Mike Smith' }, { 'geo.country': 'PT' })));

    // Assess
    expect(body.Country).toBe('PT');
  });

  it('passes the one-word name to FirstName and reports the empty last part', () => {
    // Act
    const result = map(lead({ full_name: 'Madonna' }));

    // Assess
    expect(errorsOf(result)).toEqual({
      LastName: 'required, but the value of full_name has no last name part (it is a single word)',
    });
  });
});

describe('required fields', () => {
  it('collects every missing required field at once', () => {
    // Prepare
    const mapping = mappingOf({
      FirstName: { from: ['first_name', 'full_name'] },
      LastName: { template: '{{last_name}} {{second_last_name}}' },
      Extra: [
        { name: 'Unknown field', from: 'x' },
        { id: '1', from: 'y' },
        { name: 'Another unknown', from: 'z' },
      ],
    });

    // Act
    const result = mapLead(mapping, lead({ first_name: ' ', y: 'value' }), { customFieldId });

    // Assess
    expect(errorsOf(result)).toEqual({
      FirstName: 'required, but none of first_name, full_name has a value',
      LastName:
        'required, but the template "{{last_name}} {{second_last_name}}" is empty: ' +
        'none of last_name, second_last_name has a value',
      'Extra[0]':
        'custom field "Unknown field" is not defined in Onpipeline (check the name or run leadgate fields pull)',
      'Extra[2]':
        'custom field "Another unknown" is not defined in Onpipeline (check the name or run leadgate fields pull)',
    });
  });

  it.each([
    [{ FirstName: { value: ' ' }, LastName: 'l' }, 'FirstName', 'required, but the constant value is empty'],
    [
      { FirstName: 'f', LastName: { from: '$utm.term', transform: 'digits' } },
      'LastName',
      'required, but the value of $utm.term is empty after the digits transform',
    ],
    [
      { FirstName: { from: 'f', map: { test: '' } }, LastName: 'l' },
      'FirstName',
      'required, but the value of f is turned into an empty value by map',
    ],
  ])('explains %j', (leadMapping, field, message) => {
    // Act
    const result = mapLead(mappingOf(leadMapping), {
      fields: { f: 'test', l: 'x' },
      context: { 'utm.term': 'abc' },
    });

    // Assess
    expect(errorsOf(result)).toEqual({ [field]: message });
  });

  it('reports a missing FirstName mapping instead of crashing (an unparsed mapping)', () => {
    // Prepare
    const mapping = { LastName: 'l' } as unknown as LeadMapping;

    // Act
    const result = mapLead(mapping, lead({ l: 'Smith' }));

    // Assess
    expect(errorsOf(result)).toEqual({ FirstName: 'required, but the source config has no mapping for it' });
  });
});

describe('Email and Phone', () => {
  const map = compileMapping(
    mappingOf({
      FirstName: 'f',
      LastName: 'l',
      Email: [
        { from: 'email', transform: 'lower' },
        { from: 'private_email', type: 'home' },
        { from: '$x.email' },
      ],
      Phone: [
        { from: ['mobile', 'phone'], transform: 'digits' },
        { from: 'office_phone', type: 'work' },
        { from: 'home_phone', type: 'home', transform: 'digits' },
      ],
    }),
  );

  it('maps every item that has a value', () => {
    // Prepare
    const input = lead(
      {
        f: 'A',
        l: 'B',
        email: 'A@X.COM',
        private_email: 'a@home.net',
        phone: '+34 600',
        office_phone: '91 1',
      },
      { 'x.email': 'ctx@x.com' },
    );

    // Act
    const body = bodyOf(map(input));

    // Assess
    expect(body.Email).toEqual([
      { Address: 'a@x.com', Type: 'work' },
      { Address: 'a@home.net', Type: 'home' },
      { Address: 'ctx@x.com', Type: 'work' },
    ]);
    expect(body.Phone).toEqual([
      { Number: '+34600', Type: 'mobile' },
      { Number: '91 1', Type: 'work' },
    ]);
  });

  it('leaves out items without a value, keeping the order of the others', () => {
    // Act
    const body = bodyOf(map(lead({ f: 'A', l: 'B', private_email: 'a@home.net', home_phone: 'tel: 91-2' })));

    // Assess
    expect(body.Email).toEqual([{ Address: 'a@home.net', Type: 'home' }]);
    expect(body.Phone).toEqual([{ Number: '912', Type: 'home' }]);
  });

  it('leaves out a list without any value', () => {
    // Act
    const body = bodyOf(map(lead({ f: 'A', l: 'B', email: ' ', home_phone: 'n/a' })));

    // Assess
    expect(body).toEqual({ FirstName: 'A', LastName: 'B' });
  });

  it('leaves out empty mapping lists', () => {
    // Act
    const body = bodyOf(
      mapLead(
        mappingOf({ FirstName: 'f', LastName: 'l', Email: [], Phone: [], Extra: [] }),
        lead({ f: 'A', l: 'B' }),
      ),
    );

    // Assess
    expect(body).toEqual({ FirstName: 'A', LastName: 'B' });
  });
});

describe('Extra', () => {
  const mapping = mappingOf({
    FirstName: 'f',
    LastName: 'l',
    Extra: [
      { id: '100', from: '$utm.campaign' },
      { id: 200, from: 'topics' },
      { name: 'Lead source', value: 'Website' },
      { name: 'Budget', from: 'budget', transform: 'digits' },
      { id: '300', template: '{{ $google.campaign_id }}/{{ $meta.form_id }}' },
    ],
  });

  it('maps custom fields by ID and by resolved name', () => {
    // Prepare
    const input = lead(
      { f: 'A', l: 'B', topics: ['Pricing', 'Demo'], budget: '€ 5.000' },
      { 'utm.campaign': 'spring', 'google.campaign_id': '987' },
    );

    // Act
    const body = bodyOf(compileMapping(mapping, { customFieldId })(input));

    // Assess
    expect(body.Extra).toEqual([
      { ID: '100', Value: 'spring' },
      { ID: '200', Value: 'Pricing, Demo' },
      { ID: '1411084500', Value: 'Website' },
      { ID: '1411084501', Value: '5000' },
      { ID: '300', Value: '987/' },
    ]);
  });

  it('leaves out items without a value', () => {
    // Act
    const body = bodyOf(compileMapping(mapping, { customFieldId })(lead({ f: 'A', l: 'B', budget: 'tbd' })));

    // Assess
    expect(body.Extra).toEqual([{ ID: '1411084500', Value: 'Website' }]);
  });

  it('resolves names once, at compile time', () => {
    // Prepare
    const resolver = vi.fn(customFieldId);
    const map = compileMapping(mapping, { customFieldId: resolver });

    // Act
    for (let count = 0; count < 3; count++) map(lead({ f: 'A', l: 'B' }));

    // Assess
    expect(resolver.mock.calls).toEqual([['Lead source'], ['Budget']]);
  });

  it.each([
    ['an unknown name', { customFieldId: (name: string) => (name === 'Budget' ? '1' : undefined) }],
    ['no resolver', {}],
    [
      'a resolver that throws',
      {
        customFieldId: (name: string) => {
          if (name === 'Lead source') throw new Error('custom fields not loaded');
          return '1';
        },
      },
    ],
  ])('reports a name that does not resolve (%s), for every lead', (_case, options) => {
    // Prepare
    const map = compileMapping(mapping, options);

    // Act
    const results = [map(lead({ f: 'A', l: 'B' })), map(lead({ f: 'A', l: 'B', budget: '5' }))];

    // Assess
    for (const result of results) {
      expect(errorsOf(result)).toMatchObject({
        'Extra[2]':
          'custom field "Lead source" is not defined in Onpipeline (check the name or run leadgate fields pull)',
      });
    }
  });

  it('reports a name that resolves to something that is not an ID', () => {
    // Act
    const result = mapLead(mapping, lead({ f: 'A', l: 'B' }), { customFieldId: () => 'Lead source' });

    // Assess
    expect(errorsOf(result)).toEqual({
      'Extra[2]': 'custom field "Lead source" resolved to "Lead source", which is not a numeric ID',
      'Extra[3]': 'custom field "Budget" resolved to "Lead source", which is not a numeric ID',
    });
  });

  it('reports an ID that is not numeric (an unparsed mapping)', () => {
    // Prepare
    const unparsed = {
      FirstName: 'f',
      LastName: 'l',
      Extra: [{ id: '1e21', value: 'x' }],
    } as unknown as LeadMapping;

    // Act
    const result = mapLead(unparsed, lead({ f: 'A', l: 'B' }));

    // Assess
    expect(errorsOf(result)).toEqual({
      'Extra[0]': 'custom field ID "1e21" is not numeric: use the ID Onpipeline shows',
    });
  });
});

describe('validation of the body', () => {
  it("adds leadsinBodySchema's remaining issues to the engine's own errors", () => {
    // Prepare: an unparsed mapping can carry a type the schema would have refused
    const unparsed = {
      FirstName: 'f',
      LastName: 'l',
      Email: [{ from: 'e', type: 'fax' }],
    } as unknown as LeadMapping;

    // Act
    const results = [
      mapLead(unparsed, lead({ l: 'Smith', e: 'a@b.c' })),
      mapLead(unparsed, lead({ f: 'Mike', l: 'Smith', e: 'a@b.c' })),
    ];

    // Assess
    expect(results.map(errorsOf)).toEqual([
      {
        FirstName: 'required, but f has no value',
        'Email[0].Type': 'Invalid option: expected one of "work"|"home"|"other"',
      },
      { 'Email[0].Type': 'Invalid option: expected one of "work"|"home"|"other"' },
    ]);
  });
});

describe('a lead that makes reading fail', () => {
  it('is answered with an error instead of a throw', () => {
    // Prepare
    const fields = Object.defineProperty({}, 'f', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });

    // Act
    const result = mapLead(mappingOf({ FirstName: 'f', LastName: 'l' }), lead(fields));

    // Assess
    expect(errorsOf(result)).toEqual({ body: 'could not be mapped (boom)' });
  });
});

describe('mapLead', () => {
  it('gives what the compiled function gives', () => {
    // Prepare
    const mapping = mappingOf(parse(architectureExample));
    const input = lead({ first_name: 'Mike', email: 'mike@example.com' }, { 'utm.campaign': 'x' });

    // Act
    const results = [
      mapLead(mapping, input, { customFieldId }),
      compileMapping(mapping, { customFieldId })(input),
    ];

    // Assess
    expect(results[0]).toEqual(results[1]);
    expect(results[0]?.ok).toBe(true);
  });
});
