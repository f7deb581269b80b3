import { beforeAll, describe, expect, it } from 'vitest';
import { compileExpression, type ExpressionFields, readValue } from '#shared/mapping/expression.ts';
import { loadPhoneRules } from '#shared/mapping/phone.ts';
import { valueExpressionSchema } from '#shared/sources/schema.ts';

// these expressions use e164, whose rules load on first use (docs/architecture.md, "Cold start")
beforeAll(loadPhoneRules);

type Values = Record<string, string | string[]>;

/** Parses the expression like the config loader does, compiles it and evaluates it once. */
function evaluate(expression: unknown, fields: Values = {}, context: Record<string, string> = {}): string {
  return compileExpression(valueExpressionSchema.parse(expression)).evaluate(fields, context);
}

function explain(expression: unknown, fields: Values = {}, context: Record<string, string> = {}): string {
  return compileExpression(valueExpressionSchema.parse(expression)).explain(fields, context);
}

describe('from', () => {
  it('reads a field with the shorthand and with the long form', () => {
    // Prepare
    const fields = { first_name: 'Mike' };

    // Act
    const results = [evaluate('first_name', fields), evaluate({ from: 'first_name' }, fields)];

    // Assess
    expect(results).toEqual(['Mike', 'Mike']);
  });

  it.each([
    ['missing', {}],
    ['empty', { first_name: '' }],
    ['whitespace-only', { first_name: ' \t\n\u00a0' }],
    ['an empty list', { first_name: [] }],
    ['a list of blanks', { first_name: ['', '  '] }],
  ])('skips a first value that is %s and takes the next non-empty one', (_case, fields: Values) => {
    // Act
    const result = evaluate({ from: ['first_name', 'name', 'full_name'] }, { ...fields, full_name: 'Mike' });

    // Assess
    expect(result).toBe('Mike');
  });

  it('takes the first non-empty value in list order', () => {
    // Act
    const result = evaluate({ from: ['a', 'b', 'c'] }, { b: 'second', c: 'third' });

    // Assess
    expect(result).toBe('second');
  });

  it('trims the value it reads', () => {
    // Act
    const result = evaluate('company', { company: '  Acme Inc \n' });

    // Assess
    expect(result).toBe('Acme Inc');
  });

  it.each([
    ['$utm.campaign', 'utm.campaign', 'spring-sale'],
    ['$ip', 'ip', '203.0.113.7'],
    ['$google.campaign_id', 'google.campaign_id', '12345'],
    ['$click.gclid', 'click.gclid', 'EAIaIQ'],
  ])('reads %s from the context key %s', (name, key, value) => {
    // Act
    const result = evaluate({ from: name }, { [key]: 'a field, not context' }, { [key]: value });

    // Assess
    expect(result).toBe(value);
  });

  it('does not read a context value for a plain field name', () => {
    // Act
    const result = evaluate('ip', {}, { ip: '203.0.113.7' });

    // Assess
    expect(result).toBe('');
  });

  it('mixes fields and context values in one list', () => {
    // Act
    const results = [
      evaluate({ from: ['campaign', '$utm.campaign'] }, {}, { 'utm.campaign': 'ctx' }),
      evaluate({ from: ['campaign', '$utm.campaign'] }, { campaign: 'field' }, { 'utm.campaign': 'ctx' }),
    ];

    // Assess
    expect(results).toEqual(['ctx', 'field']);
  });

  it.each([
    [['Pricing', 'Demo'], 'Pricing, Demo'],
    [['Pricing', '', '  ', 'Demo'], 'Pricing, Demo'],
    [[' Pricing ', 'Demo '], 'Pricing, Demo'],
    [['Only'], 'Only'],
  ])('joins a repeated field %j as %j', (topics, expected) => {
    // Act
    const result = evaluate('topics', { topics });

    // Assess
    expect(result).toBe(expected);
  });
});

describe('value', () => {
  it.each([
    ['ES', 'ES'],
    [' ES ', 'ES'],
    [42, '42'],
    [1.5, '1.5'],
    [true, 'true'],
    [false, 'false'],
  ])('turns the constant %j into %j', (value, expected) => {
    // Act
    const result = evaluate({ value });

    // Assess
    expect(result).toBe(expected);
  });

  it('applies transform and map to a constant', () => {
    // Act
    const result = evaluate({ value: 'spain', transform: 'title', map: { Spain: 'ES' } });

    // Assess
    expect(result).toBe('ES');
  });

  it('lets an empty constant fall back to the default', () => {
    // Act
    const result = evaluate({ value: '', default: 'n/a' });

    // Assess
    expect(result).toBe('n/a');
  });
});

describe('template', () => {
  const template = '{{first_name}} {{last_name}}';

  it.each([
    [{ first_name: 'Mike', last_name: 'Smith' }, 'Mike Smith'],
    [{ first_name: 'Mike' }, 'Mike'],
    [{ last_name: 'Smith' }, 'Smith'],
    [{ first_name: '  Mike ', last_name: '\nSmith' }, 'Mike Smith'],
    [{}, ''],
    [{ first_name: ' ', last_name: [] }, ''],
  ])('renders %j as %j', (fields: Values, expected) => {
    // Act
    const result = evaluate({ template }, fields);

    // Assess
    expect(result).toBe(expected);
  });

  it('allows whitespace inside the braces and reads context values', () => {
    // Act
    const result = evaluate(
      { template: '{{ $utm.source }} / {{$utm.medium}} / {{  campaign  }}' },
      { campaign: 'spring' },
      { 'utm.source': 'google', 'utm.medium': 'cpc' },
    );

    // Assess
    expect(result).toBe('google / cpc / spring');
  });

  it('keeps its text when some placeholders are empty and collapses the whitespace', () => {
    // Act
    const result = evaluate(
      { template: 'Topics:   {{topics}}\n  Message: {{message}}' },
      { topics: ['A', 'B'] },
    );

    // Assess
    expect(result).toBe('Topics: A, B Message:');
  });

  it('renders repeated fields joined and multi-line values collapsed', () => {
    // Act
    const result = evaluate({ template: '{{message}}' }, { message: 'Hello,\n\n  we need   a quote.' });

    // Assess
    expect(result).toBe('Hello, we need a quote.');
  });

  it('is empty when every placeholder is empty, so the default applies', () => {
    // Act
    const result = evaluate({ template: 'Name: {{first_name}} {{last_name}}', default: 'anonymous' });

    // Assess
    expect(result).toBe('anonymous');
  });

  it('is its own text when it has no placeholders (`{{ }}` is text too)', () => {
    // Act
    const results = [evaluate({ template: 'Website  lead' }), evaluate({ template: 'a {{ }} b' })];

    // Assess
    expect(results).toEqual(['Website lead', 'a {{ }} b']);
  });

  it('reads placeholders as own properties only', () => {
    // Act
    const result = evaluate({ template: '{{constructor}}{{toString}}{{__proto__}}', default: 'none' });

    // Assess
    expect(result).toBe('none');
  });
});

describe('part', () => {
  it.each([
    ['Mike Smith', 'Mike', 'Smith'],
    ['  Mary   Ann  Smith ', 'Mary', 'Ann Smith'],
    ['Madonna', 'Madonna', 'DEFAULT'],
    ['', 'DEFAULT', 'DEFAULT'],
    ['   ', 'DEFAULT', 'DEFAULT'],
  ])('splits %j into first %j and last %j', (fullName, first, last) => {
    // Prepare
    const fields = { full_name: fullName };

    // Act
    const result = {
      first: evaluate({ from: 'full_name', part: 'first', default: 'DEFAULT' }, fields),
      last: evaluate({ from: 'full_name', part: 'last', default: 'DEFAULT' }, fields),
    };

    // Assess
    expect(result).toEqual({ first, last });
  });

  it('splits the first non-empty value of a from list', () => {
    // Act
    const result = evaluate(
      { from: ['name', 'full_name'], part: 'last' },
      { name: ' ', full_name: 'Ada Lovelace' },
    );

    // Assess
    expect(result).toBe('Lovelace');
  });
});

describe('transform', () => {
  it.each([
    ['trim', '  Mike ', 'Mike'],
    ['lower', 'MIKE@EXAMPLE.COM', 'mike@example.com'],
    ['upper', 'ab12 3cd', 'AB12 3CD'],
    ['title', "mARY o'neil-smith", "Mary O'Neil-Smith"],
    ['digits', '+34 600-12-34-56', '+34600123456'],
    ['collapse', 'Calle   Mayor \t 5', 'Calle Mayor 5'],
  ] as const)('%s turns %j into %j', (transform, input, expected) => {
    // Act
    const results = [
      evaluate({ from: 'x', transform }, { x: input }),
      evaluate({ from: 'x', transform: [transform] }, { x: input }),
    ];

    // Assess
    expect(results).toEqual([expected, expected]);
  });

  it('applies a list in order', () => {
    // Prepare
    const fields = { x: 'abc-12' };

    // Act
    const results = [
      evaluate({ from: 'x', transform: ['digits', 'upper'] }, fields),
      evaluate({ from: 'x', transform: ['upper', 'lower'] }, fields),
      evaluate({ from: 'x', transform: ['lower', 'upper'] }, fields),
    ];

    // Assess
    expect(results).toEqual(['12', 'abc-12', 'ABC-12']);
  });

  it('runs after part', () => {
    // Act
    const result = evaluate(
      { from: 'full_name', part: 'last', transform: 'upper' },
      { full_name: 'ada lovelace' },
    );

    // Assess
    expect(result).toBe('LOVELACE');
  });

  it('falls back to the default when a transform leaves nothing', () => {
    // Act
    const result = evaluate({ from: 'phone', transform: 'digits', default: 'none' }, { phone: 'n/a' });

    // Assess
    expect(result).toBe('none');
  });
});

describe('map', () => {
  const map = { Spain: 'ES', France: 'FR', Yes: true, One: 1 };

  it.each([
    ['Spain', 'ES'],
    [' France ', 'FR'],
    ['Yes', 'true'],
    ['One', '1'],
    ['Germany', 'Germany'],
    ['spain', 'spain'],
  ])('maps %j to %j (a value not in the table passes through)', (country, expected) => {
    // Act
    const result = evaluate({ from: 'country', map }, { country });

    // Assess
    expect(result).toBe(expected);
  });

  it('runs after transform', () => {
    // Act
    const result = evaluate({ from: 'country', transform: 'title', map }, { country: 'SPAIN' });

    // Assess
    expect(result).toBe('ES');
  });

  it('ignores inherited keys of the table', () => {
    // Act
    const results = ['constructor', 'toString', 'hasOwnProperty', '__proto__'].map((value) =>
      evaluate({ from: 'x', map }, { x: value }),
    );

    // Assess
    expect(results).toEqual(['constructor', 'toString', 'hasOwnProperty', '__proto__']);
  });

  it('treats own keys named like Object members as ordinary keys', () => {
    // Prepare
    const expression = { from: 'x', map: { constructor: 'C', toString: 'T' } };

    // Act
    const results = ['constructor', 'toString'].map((x) => evaluate(expression, { x }));

    // Assess
    expect(results).toEqual(['C', 'T']);
  });

  it('is not applied to an empty value and lets a value mapped to blank fall back to the default', () => {
    // Prepare
    const expression = { from: 'answer', map: { '': 'EMPTY', none: '  ' }, default: 'unknown' };

    // Act
    const results = [evaluate(expression, {}), evaluate(expression, { answer: 'none' })];

    // Assess
    expect(results).toEqual(['unknown', 'unknown']);
  });

  it('trims the mapped value', () => {
    // Act
    const result = evaluate({ from: 'x', map: { a: '  A  ' } }, { x: 'a' });

    // Assess
    expect(result).toBe('A');
  });
});

describe('default', () => {
  it.each([
    [{}, '-'],
    [{ last_name: '' }, '-'],
    [{ last_name: 'Smith' }, 'Smith'],
  ])('with fields %j gives %j', (fields: Values, expected) => {
    // Act
    const result = evaluate({ from: ['last_name', 'surname'], default: '-' }, fields);

    // Assess
    expect(result).toBe(expected);
  });

  it.each([
    [0, '0'],
    [false, 'false'],
    ['  x ', 'x'],
    ['  ', ''],
  ])('turns the default %j into %j', (fallback, expected) => {
    // Act
    const result = evaluate({ from: 'missing', default: fallback });

    // Assess
    expect(result).toBe(expected);
  });

  it('is a constant on its own', () => {
    // Act
    const result = evaluate({ default: 'Website' });

    // Assess
    expect(result).toBe('Website');
  });

  it('is applied after map and is not transformed or mapped itself', () => {
    // Act
    const result = evaluate({ from: 'x', transform: 'upper', map: { LOWER: 'mapped' }, default: 'lower' });

    // Assess
    expect(result).toBe('lower');
  });
});

describe('explain', () => {
  it.each([
    ['first_name', {}, 'first_name has no value'],
    [{ from: ['first_name', 'full_name'] }, {}, 'none of first_name, full_name has a value'],
    [{ from: '$utm.campaign' }, {}, '$utm.campaign has no value'],
    [
      { template: '{{first_name}} {{last_name}}' },
      {},
      'the template "{{first_name}} {{last_name}}" is empty: none of first_name, last_name has a value',
    ],
    [
      { template: '{{ name }}, {{name}}' },
      {},
      'the template "{{ name }}, {{name}}" is empty: name has no value',
    ],
    [{ value: ' ' }, {}, 'the constant value is empty'],
    [
      { from: ['name', 'full_name'], part: 'last' },
      { full_name: 'Madonna' },
      'the value of full_name has no last name part (it is a single word)',
    ],
    [
      { from: 'phone', transform: ['trim', 'digits'] },
      { phone: 'n/a' },
      'the value of phone is empty after the digits transform',
    ],
    [{ from: 'x', map: { none: '' } }, { x: 'none' }, 'the value of x is turned into an empty value by map'],
  ])('explains %j with %j as %j', (expression, fields: Values, expected) => {
    // Act
    const message = explain(expression, fields);

    // Assess
    expect(message).toBe(expected);
  });
});

describe('readValue', () => {
  it.each([
    ['a string, trimmed', { k: ' v ' }, 'v'],
    ['a list, joined', { k: ['a', ' ', 'b'] }, 'a, b'],
    ['a number (not a field value)', { k: 5 }, ''],
    ['null', { k: null }, ''],
    ['a list of non-strings', { k: [1, null, {}] }, ''],
    ['a nested object', { k: { toString: () => 'x' } }, ''],
  ])('reads %s', (_case, record: Record<string, unknown>, expected) => {
    // Act
    const result = readValue(record, 'k');

    // Assess
    expect(result).toBe(expected);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'does not read the inherited %s',
    (key) => {
      // Act
      const results = [readValue({}, key), readValue(Object.create(null), key)];

      // Assess
      expect(results).toEqual(['', '']);
    },
  );
});

describe('explain: the remaining sources and steps', () => {
  it.each([
    [
      'a constant a step empties',
      { value: 'n/a', transform: 'digits' },
      'the constant value is empty after the digits transform',
    ],
    ['a blank template', { template: '  ' }, 'the template "  " is empty'],
    ['an expression with no source', {}, 'the expression (it has no from, value or template) is empty'],
    [
      'a map that leaves only whitespace',
      { from: 'x', map: { none: '   ' } },
      'the value of x is turned into an empty value by map',
    ],
  ])('explains %s', (_case, expression, expected) => {
    // Act
    const message = compileExpression(expression as ExpressionFields).explain({ x: 'none' }, {});

    // Assess
    expect(message).toBe(expected);
  });
});

describe('e164: how defaultCountry is read', () => {
  const national = { phone: '020 7946 0958' };

  it('reads the default of a country expression written with spaces or in lower case', () => {
    // Act
    const result = compileExpression({
      from: 'phone',
      transform: 'e164',
      defaultCountry: { from: 'country', default: ' gb ' },
    }).evaluate(national, {});

    // Assess
    expect(result).toBe('+442079460958');
  });
});

describe('map and the pipeline ends', () => {
  it('does not look up a value a transform emptied, even with an empty key in the table', () => {
    // Act
    const result = compileExpression({ from: 'phone', transform: 'digits', map: { '': 'none' } }).evaluate(
      { phone: 'n/a' },
      {},
    );

    // Assess
    expect(result).toBe('');
  });

  it('trims the result of several steps', () => {
    // Act
    const result = compileExpression({
      from: 'x',
      transform: ['lower', 'trim'],
      map: { yes: '  Yes  ' },
    }).evaluate({ x: 'YES' }, {});

    // Assess
    expect(result).toBe('Yes');
  });

  it('does not read an inherited string', () => {
    // Prepare
    const record = Object.create({ inherited: 'from the prototype' }) as Record<string, unknown>;

    // Act
    const value = readValue(record, 'inherited');

    // Assess
    expect(value).toBe('');
  });
});
