import { describe, expect, it } from 'vitest';
import type { LeadInput } from '#shared/envelope.ts';
import { deliveryMappers, dryRun } from '#shared/mapping/mappers.ts';
import type { CustomFieldNames } from '#shared/onpipeline/custom-fields.ts';
import { type Source, sourceConfigSchema } from '#shared/sources/schema.ts';
import { counterValues } from '#shared/telemetry.ts';

/**
 * The two ways a source's mapping is run: capture's dry run (no Onpipeline: `name:` custom fields get
 * a placeholder ID) and deliver's mappers (names resolved through ListCustomFields, recompiled when
 * the custom-field list changes).
 */

function sourceWith(lead: Record<string, unknown>, id = 'acme'): Source {
  return {
    ...sourceConfigSchema.parse({ channel: 'partner', partner: { apiKeys: ['KEY'] }, lead }),
    id,
    file: `sources/${id}.yaml`,
  };
}

const names = { FirstName: 'first_name', LastName: 'last_name' };
const named = sourceWith({ ...names, Extra: [{ name: 'Lead source', value: 'Website' }] });
const byId = sourceWith({ ...names, Extra: [{ id: '1411084438', from: 'campaign' }] });
const input = (fields: Record<string, string>): LeadInput => ({
  fields: { first_name: 'Ana', last_name: 'Ruiz', ...fields },
  context: {},
});

/**
 * A custom-field list as `customFieldNames` gives it: the same lookup until the list changes
 * (`change`); it counts the lookups asked for.
 */
function customFields(table: Record<string, string>) {
  const lookupOf = (snapshot: Record<string, string>) => (name: string) => snapshot[name];
  let current = lookupOf(table);
  let lookups = 0;
  const fields: CustomFieldNames = {
    async lookup() {
      lookups++;
      return current;
    },
  };
  return {
    fields,
    lookups: () => lookups,
    change(next: Record<string, string>) {
      current = lookupOf(next);
    },
  };
}

describe('dryRun', () => {
  it('maps a source with custom fields by name without Onpipeline, with a placeholder ID', async () => {
    // Act
    const result = await dryRun(named, input({}));

    // Assess
    expect(result).toEqual({
      ok: true,
      body: { FirstName: 'Ana', LastName: 'Ruiz', Extra: [{ ID: '0', Value: 'Website' }] },
    });
  });

  it('reports the same errors as deliver would, for every lead of the source', async () => {
    // Act
    const first = await dryRun(byId, { fields: { first_name: 'Ana' }, context: {} });
    const again = await dryRun(byId, { fields: { last_name: 'Ruiz' }, context: {} });

    // Assess
    expect(first).toEqual({ ok: false, errors: { LastName: 'required, but last_name has no value' } });
    expect(again).toEqual({ ok: false, errors: { FirstName: 'required, but first_name has no value' } });
  });

  it('does not count an unreadable phone number (deliver counts it once)', async () => {
    // Prepare
    const source = sourceWith({ ...names, Phone: [{ from: 'phone', transform: 'e164' }] });
    const before = counterValues().phone_unparsed ?? 0;

    // Act
    const result = await dryRun(source, input({ phone: 'call me' }));

    // Assess
    expect(result).toMatchObject({ ok: true, body: { Phone: [{ Number: 'call me' }] } });
    expect((counterValues().phone_unparsed ?? 0) - before).toBe(0);
  });
});

describe('deliveryMappers', () => {
  it('resolves custom fields by name through the custom-field list', async () => {
    // Prepare
    const list = customFields({ 'Lead source': '1411084437' });
    const mappers = deliveryMappers(list.fields);

    // Act
    const result = (await mappers.for(named))(input({}));

    // Assess
    expect(result).toEqual({
      ok: true,
      body: { FirstName: 'Ana', LastName: 'Ruiz', Extra: [{ ID: '1411084437', Value: 'Website' }] },
    });
  });

  it('compiles again when the custom-field list changes, and not while it stays the same', async () => {
    // Prepare
    const list = customFields({ 'Lead source': '1411084437' });
    const mappers = deliveryMappers(list.fields);
    const first = await mappers.for(named);
    const same = await mappers.for(named);
    list.change({ 'Lead source': '1411084499' });

    // Act
    const changed = await mappers.for(named);

    // Assess
    expect(same).toBe(first);
    expect(changed(input({}))).toMatchObject({
      ok: true,
      body: { Extra: [{ ID: '1411084499', Value: 'Website' }] },
    });
    expect(first(input({}))).toMatchObject({ ok: true, body: { Extra: [{ ID: '1411084437' }] } });
  });

  it.each([
    ['custom fields by id only', byId],
    ['no custom fields', sourceWith(names)],
  ])('asks for no custom-field list for a source with %s, and compiles it once', async (_case, source) => {
    // Prepare
    const list = customFields({});
    const mappers = deliveryMappers(list.fields);

    // Act
    const first = await mappers.for(source);
    const again = await mappers.for(source);

    // Assess
    expect(list.lookups()).toBe(0);
    expect(again).toBe(first);
    expect(first(input({ campaign: 'spring' }))).toMatchObject({ ok: true, body: { FirstName: 'Ana' } });
  });

  it('keeps one compiled mapper per source', async () => {
    // Prepare
    const mappers = deliveryMappers(customFields({}).fields);
    const other = sourceWith({ FirstName: 'given', LastName: 'family' }, 'other');

    // Act
    const [one, two] = [await mappers.for(byId), await mappers.for(other)];

    // Assess
    expect(one(input({}))).toMatchObject({ ok: true, body: { FirstName: 'Ana', LastName: 'Ruiz' } });
    expect(two({ fields: { given: 'Li', family: 'Wei' }, context: {} })).toEqual({
      ok: true,
      body: { FirstName: 'Li', LastName: 'Wei' },
    });
  });

  it.each([
    [
      'a source without custom fields by name',
      sourceWith({ ...names, Phone: [{ from: 'phone', transform: 'e164' }] }),
    ],
    [
      'a source with custom fields by name',
      sourceWith({
        ...names,
        Phone: [{ from: 'phone', transform: 'e164' }],
        Extra: [{ name: 'Lead source', value: 'x' }],
      }),
    ],
  ])('counts each phone number it keeps as typed (phone_unparsed) for %s', async (_case, source) => {
    // Prepare
    const mapper = await deliveryMappers(customFields({ 'Lead source': '7' }).fields).for(source);
    const before = counterValues().phone_unparsed ?? 0;

    // Act
    mapper(input({ phone: 'call me' }));
    mapper(input({ phone: '+44 20 7946 0958' }));

    // Assess
    expect((counterValues().phone_unparsed ?? 0) - before).toBe(1);
  });
});

describe('deliveryMappers: custom fields by id and by name in one source', () => {
  it('resolves the names even when other custom fields have ids', async () => {
    // Prepare
    const mixed = sourceWith({
      ...names,
      Extra: [
        { id: '1411084438', value: 'spring' },
        { name: 'Lead source', value: 'Website' },
      ],
    });
    const mappers = deliveryMappers(customFields({ 'Lead source': '1411084437' }).fields);

    // Act
    const result = (await mappers.for(mixed))(input({}));

    // Assess
    expect(result).toMatchObject({
      ok: true,
      body: {
        Extra: [
          { ID: '1411084438', Value: 'spring' },
          { ID: '1411084437', Value: 'Website' },
        ],
      },
    });
  });
});
