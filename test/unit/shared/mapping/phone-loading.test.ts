import { describe, expect, it, vi } from 'vitest';
import type { LeadInput } from '#shared/envelope.ts';
import { compileMapping, prepareMapping } from '#shared/mapping/engine.ts';
import { compileExpression } from '#shared/mapping/expression.ts';
import { deliveryMappers, dryRun } from '#shared/mapping/mappers.ts';
import {
  isPhoneCountry,
  loadPhoneRules,
  mappingNeedsPhoneRules,
  phoneRulesLoaded,
  toE164,
} from '#shared/mapping/phone.ts';
import { previewLeads } from '#shared/preview/preview.ts';
import {
  type LeadMapping,
  leadMappingSchema,
  type Source,
  sourceConfigSchema,
  transforms,
} from '#shared/sources/schema.ts';

/**
 * The phone rules (libphonenumber-js) are loaded on first use, and only for mappings that use the
 * `e164` transform (docs/architecture.md, "Cold start"). This file starts with them not loaded
 * (vitest gives each test file its own modules) and loads them in its last block only: the blocks
 * run in the order they are written.
 */

const NOT_LOADED = /^phone rules are not loaded: await loadPhoneRules\(\) \(or prepare the mapping\) before /;

const names = { FirstName: 'first_name', LastName: 'last_name' };

/** Every way a mapping can use e164: each needs the phone rules. */
const usesOfE164: [string, Record<string, unknown>][] = [
  ['a text field (transform: e164)', { ...names, Region: { from: 'region', transform: 'e164' } }],
  ['a text field (e164 in a list)', { ...names, OrgName: { from: 'org', transform: ['trim', 'e164'] } }],
  ['a required field', { FirstName: { from: 'first_name', transform: ['e164'] }, LastName: 'last_name' }],
  ['a Phone item', { ...names, Phone: [{ from: 'phone', transform: 'e164' }] }],
  ['a later Phone item', { ...names, Phone: [{ from: 'fax' }, { from: 'phone', transform: ['e164'] }] }],
  [
    'a Phone item with a constant defaultCountry',
    { ...names, Phone: [{ from: 'phone', transform: ['digits', 'e164'], defaultCountry: 'gb' }] },
  ],
  [
    'a Phone item with defaultCountry read from the lead',
    {
      ...names,
      Phone: [{ from: 'phone', transform: 'e164', defaultCountry: { from: 'country', default: 'GB' } }],
    },
  ],
  [
    "defaultCountry's own expression",
    {
      ...names,
      Phone: [{ from: 'phone', transform: 'e164', defaultCountry: { from: 'country', transform: ['e164'] } }],
    },
  ],
  ['a template', { ...names, Phone: [{ template: '+44 {{ phone }}', transform: 'e164' }] }],
  ['a constant', { ...names, Phone: [{ value: '+44 20 7946 0958', transform: 'e164' }] }],
  ['an Email item', { ...names, Email: [{ from: 'email', transform: ['lower', 'e164'] }] }],
  ['an Extra item by id', { ...names, Extra: [{ id: '1411084437', from: 'phone', transform: 'e164' }] }],
  ['an Extra item by name', { ...names, Extra: [{ name: 'Phone', from: 'phone', transform: ['e164'] }] }],
];

const otherTransforms = transforms.filter((transform) => transform !== 'e164');
/** Mappings without e164: none needs the phone rules. */
const withoutE164: [string, Record<string, unknown>][] = [
  ['field names only', names],
  [
    'every other transform, everywhere',
    {
      FirstName: { from: 'first_name', transform: ['trim', 'collapse', 'title'] },
      LastName: { from: 'last_name', transform: 'title' },
      Email: [{ from: 'email', transform: 'lower' }],
      Phone: [{ from: 'phone', transform: otherTransforms }],
      Extra: [{ id: '1411084437', from: 'campaign', transform: 'upper' }],
    },
  ],
  [
    '"e164" as a field name, a constant and a map entry',
    {
      ...names,
      Region: 'e164',
      Country: { from: 'country', map: { e164: 'e164' } },
      Phone: [{ from: 'e164' }],
      Extra: [{ id: '1411084437', value: 'e164' }],
    },
  ],
];

function mappingOf(lead: Record<string, unknown>): LeadMapping {
  return leadMappingSchema.parse(lead);
}

function partnerSource(lead: Record<string, unknown>, id: string): Source {
  return {
    ...sourceConfigSchema.parse({ channel: 'partner', partner: { apiKeys: ['KEY'] }, lead }),
    id,
    file: `sources/${id}.yaml`,
  };
}

const ana: LeadInput = {
  fields: { first_name: 'Ana', last_name: 'Ruiz', phone: '020 7946 0958', country: 'GB' },
  context: {},
};

describe('mappingNeedsPhoneRules', () => {
  it.each(usesOfE164)('says yes for e164 in %s', (_way, lead) => {
    // Act
    const needs = mappingNeedsPhoneRules(mappingOf(lead));

    // Assess
    expect(needs).toBe(true);
  });

  it.each(withoutE164)('says no for %s', (_way, lead) => {
    // Act
    const needs = mappingNeedsPhoneRules(mappingOf(lead));

    // Assess
    expect(needs).toBe(false);
  });
});

describe('before the phone rules are loaded', () => {
  it.each(usesOfE164)('compiling a mapping with e164 in %s throws the clear error', (_way, lead) => {
    // Prepare
    const mapping = mappingOf(lead);

    // Act
    const compile = () => compileMapping(mapping);

    // Assess: at compile time, naming the fix, and nothing was loaded behind the caller's back
    expect(compile).toThrow(NOT_LOADED);
    expect(compile).toThrow(/before compiling a mapping that uses the e164 transform$/);
    expect(phoneRulesLoaded()).toBe(false);
  });

  it('compiling a value expression with e164 throws the clear error too', () => {
    // Act
    const compile = () => compileExpression({ from: 'phone', transform: 'e164' });

    // Assess
    expect(compile).toThrow(NOT_LOADED);
  });

  it.each(withoutE164)('a mapping with %s compiles and maps without them', (_way, lead) => {
    // Act
    const result = compileMapping(mappingOf(lead), { customFieldId: () => '1' })(ana);

    // Assess
    expect(result.ok).toBe(true);
    expect(phoneRulesLoaded()).toBe(false);
  });

  it("capture's dry run, deliver's mappers and the preview of a source without e164 do not load them", async () => {
    // Prepare
    const source = partnerSource(names, 'plain');

    // Act
    const dry = await dryRun(source, ana);
    const delivered = (await deliveryMappers({ lookup: async () => () => undefined }).for(source))(ana);
    const [preview] = await previewLeads(source, '{"first_name":"Ana","last_name":"Ruiz"}');

    // Assess
    expect(dry).toEqual({ ok: true, body: { FirstName: 'Ana', LastName: 'Ruiz' } });
    expect(delivered).toEqual(dry);
    expect(preview?.result).toEqual(dry);
    expect(phoneRulesLoaded()).toBe(false);
  });

  it.each([
    ['isPhoneCountry', () => isPhoneCountry('GB')],
    ['toE164', () => toE164('+44 20 7946 0958')],
  ])('%s throws the clear error', (name, call) => {
    // Act & Assess
    expect(call).toThrow(new RegExp(`${NOT_LOADED.source}calling ${name}$`));
  });

  it('preparing a mapping without e164 loads nothing', async () => {
    // Act
    await prepareMapping(mappingOf(names));

    // Assess
    expect(phoneRulesLoaded()).toBe(false);
  });
});

describe('once a mapping with e164 is prepared', () => {
  it('compiles and rewrites numbers to E.164', async () => {
    // Prepare
    const mapping = mappingOf({
      ...names,
      Phone: [{ from: 'phone', transform: 'e164', defaultCountry: { from: 'country' } }],
    });

    // Act
    await prepareMapping(mapping);
    const result = compileMapping(mapping)(ana);

    // Assess
    expect(phoneRulesLoaded()).toBe(true);
    expect(result).toEqual({
      ok: true,
      body: { FirstName: 'Ana', LastName: 'Ruiz', Phone: [{ Number: '+442079460958', Type: 'mobile' }] },
    });
  });

  it('loads the rules once: every load gives the same promise', () => {
    // Act
    const first = loadPhoneRules();
    const second = loadPhoneRules();

    // Assess
    expect(second).toBe(first);
  });

  it('answers the façade calls', () => {
    // Act & Assess
    expect(isPhoneCountry('GB')).toBe(true);
    expect(isPhoneCountry('UK')).toBe(false);
    expect(toE164('020 7946 0958', 'GB')).toBe('+442079460958');
  });
});

describe('a load that fails', () => {
  it('is not remembered: the next load tries again', async () => {
    // Prepare: fresh modules, and a phone-rules module that cannot be loaded (a broken package)
    vi.resetModules();
    vi.doMock('#shared/mapping/phone-rules.ts', () => {
      throw new Error('phone-rules.ts is missing');
    });
    const phone = await import('#shared/mapping/phone.ts');
    const failed = phone.loadPhoneRules();
    await expect(failed).rejects.toBeInstanceOf(Error);
    vi.doUnmock('#shared/mapping/phone-rules.ts');

    // Act
    const again = phone.loadPhoneRules();
    await again;

    // Assess
    expect(again).not.toBe(failed);
    expect(phone.phoneRulesLoaded()).toBe(true);
  });
});
