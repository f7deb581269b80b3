import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LeadInput } from '#shared/envelope.ts';
import { compileMapping, type MapResult } from '#shared/mapping/engine.ts';
import { deliveryMappers } from '#shared/mapping/mappers.ts';
import { loadPhoneRules } from '#shared/mapping/phone.ts';
import { leadMappingSchema, sourceConfigSchema } from '#shared/sources/schema.ts';
import { counterValues } from '#shared/telemetry.ts';

// every mapping here uses e164, whose rules load on first use (docs/architecture.md, "Cold start")
beforeAll(loadPhoneRules);

/** The `e164` transform, through the mapping engine as sources use it (docs/sources.md "Phone numbers"). */

function phoneMapping(phone: Record<string, unknown>) {
  return leadMappingSchema.parse({
    FirstName: { value: 'Ana' },
    LastName: { value: 'Ruiz' },
    Phone: [phone],
  });
}

function lead(fields: Record<string, unknown>): LeadInput {
  return { fields, context: {} } as LeadInput;
}

function phoneOf(result: MapResult): string | undefined {
  if (!result.ok) throw new Error(`mapping failed: ${JSON.stringify(result.errors)}`);
  return result.body.Phone?.[0]?.Number;
}

/** Maps one typed number with `defaultCountry: country`; also says how often the number was unreadable. */
function mapPhone(typed: string, country?: string): { number: string | undefined; unparsed: number } {
  let unparsed = 0;
  const map = compileMapping(
    phoneMapping({ from: 'phone', transform: 'e164', ...(country ? { defaultCountry: country } : {}) }),
    { onUnparsedPhone: () => unparsed++ },
  );
  return { number: phoneOf(map(lead({ phone: typed }))), unparsed };
}

describe('e164: national and international forms across countries', () => {
  describe.each([
    // country, as typed nationally, as typed internationally, E.164
    ['GB', '020 7946 0958', '+44 (0)20 7946 0958', '+442079460958'],
    ['US', '(650) 253-0000', '+1 650-253-0000', '+16502530000'],
    ['CA', '(613) 555-0142', '+1 613 555 0142', '+16135550142'],
    ['ES', '600 12 34 56', '+34 600 12 34 56', '+34600123456'],
    ['DE', '030 123456', '+49 (0)30 123456', '+4930123456'],
    ['FR', '06 12 34 56 78', '+33 6 12 34 56 78', '+33612345678'],
    ['IT', '06 1234 5678', '+39 06 1234 5678', '+390612345678'],
    ['NL', '020 123 4567', '+31 20 123 4567', '+31201234567'],
    ['PT', '912 345 678', '00351 912 345 678', '+351912345678'],
    ['IE', '01 234 5678', '+353 1 234 5678', '+35312345678'],
    ['CH', '044 668 18 00', '+41 44 668 18 00', '+41446681800'],
    ['SE', '08-123 456 78', '+46 8 123 456 78', '+46812345678'],
    ['PL', '512 345 678', '+48 512 345 678', '+48512345678'],
    ['JP', '090-1234-5678', '+81 90-1234-5678', '+819012345678'],
    ['KR', '02-312-3456', '+82 2-312-3456', '+8223123456'],
    ['CN', '138 0013 8000', '+86 138 0013 8000', '+8613800138000'],
    ['IN', '098765 43210', '+91 98765 43210', '+919876543210'],
    ['AU', '0412 345 678', '+61 412 345 678', '+61412345678'],
    ['NZ', '021 123 4567', '+64 21 123 4567', '+64211234567'],
    ['BR', '(11) 91234-5678', '+55 11 91234-5678', '+5511912345678'],
    ['MX', '55 1234 5678', '+52 55 1234 5678', '+525512345678'],
    ['AR', '011 15-2345-6789', '+54 9 11 2345-6789', '+5491123456789'],
    ['RU', '8 (495) 123-45-67', '+7 495 123-45-67', '+74951234567'],
    ['ZA', '021 123 4567', '+27 21 123 4567', '+27211234567'],
    ['SG', '8123 4567', '+65 8123 4567', '+6581234567'],
  ])('%s', (country, national, international, e164) => {
    it(`reads the national form ${national} with defaultCountry ${country}`, () => {
      // Act
      const result = mapPhone(national, country);

      // Assess
      expect(result).toEqual({ number: e164, unparsed: 0 });
    });

    it(`reads the international form ${international} whatever the defaultCountry`, () => {
      // Act
      const withCountry = mapPhone(international, country === 'GB' ? 'US' : 'GB');
      const withoutCountry = mapPhone(international);

      // Assess: 00351 is Portugal from any country whose exit code is 00 (GB), not from nowhere
      expect(withCountry).toEqual({ number: e164, unparsed: 0 });
      if (!international.startsWith('00')) expect(withoutCountry).toEqual({ number: e164, unparsed: 0 });
    });
  });
});

describe('e164: extensions, exit codes and other ways people type numbers', () => {
  it.each([
    ['+44 20 7946 0958', undefined, '+442079460958'],
    ['+44 20 7946 0958 ext. 123', undefined, '+442079460958 ext. 123'],
    ['020 7946 0958 x12', 'GB', '+442079460958 ext. 12'],
    ['(650) 253-0000 ext 7', 'US', '+16502530000 ext. 7'],
    ['+44 20 7946 0958 #123', undefined, '+442079460958 ext. 123'],
    ['tel:+44-20-7946-0958', undefined, '+442079460958'],
    ['011 44 20 7946 0958', 'US', '+442079460958'],
    ['0034 600 123 456', 'GB', '+34600123456'],
    ['  +34 600 12 34 56  ', undefined, '+34600123456'],
    ['６００ １２ ３４ ５６', 'ES', '+34600123456'],
    ['020 7946 0958', 'gb', '+442079460958'],
  ])('%j (defaultCountry %s) → %s', (typed, country, e164) => {
    // Act
    const result = mapPhone(typed, country);

    // Assess
    expect(result).toEqual({ number: e164, unparsed: 0 });
  });

  it.each([
    ['1-800-FLOWERS', 'US', 'a vanity number (letters)'],
    ['555-0100', 'US', 'a local number without its area code'],
    ['020 7946 0958', undefined, 'a national number and no country to read it with'],
    ['34600123456', 'GB', 'a foreign number without its +'],
    ['+999 123', 'GB', 'an unassigned country code'],
    ['0612', 'FR', 'too short'],
    ['12345', 'GB', 'too short'],
    ['++++', 'GB', 'no digits'],
    ['call me after 5pm', 'GB', 'text'],
    ['<script>alert(1)</script>', 'GB', 'markup'],
    ['9'.repeat(300), 'GB', 'far too long'],
  ])('keeps %j (defaultCountry %s: %s) as typed and counts it', (typed, country, _why) => {
    // Act
    const result = mapPhone(typed, country);

    // Assess
    expect(result).toEqual({ number: typed, unparsed: 1 });
  });

  it.each([[''], ['   '], ['\t\n']])(
    'leaves an empty phone (%j) out of the body without counting it',
    (typed) => {
      // Act
      let unparsed = 0;
      const map = compileMapping(phoneMapping({ from: 'phone', transform: 'e164', defaultCountry: 'GB' }), {
        onUnparsedPhone: () => unparsed++,
      });
      const result = map(lead({ phone: typed }));

      // Assess
      expect(result).toEqual({ ok: true, body: { FirstName: 'Ana', LastName: 'Ruiz' } });
      expect(unparsed).toBe(0);
    },
  );
});

describe('e164: the country of national numbers', () => {
  const mapping = phoneMapping({
    from: 'phone',
    transform: ['trim', 'e164'],
    defaultCountry: { from: ['country', '$geo.country'], map: { Spain: 'ES', España: 'ES' }, default: 'GB' },
  });

  it.each([
    ['the lead’s country code', { country: 'de' }, '030 123456', '+4930123456'],
    ['the lead’s country name, through map', { country: 'España' }, '600 12 34 56', '+34600123456'],
    ['the default when the lead has no country', {}, '020 7946 0958', '+442079460958'],
    [
      'the default when the lead’s country is not a code',
      { country: 'Narnia' },
      '020 7946 0958',
      '+442079460958',
    ],
    [
      'an international number over the lead’s country',
      { country: 'ES' },
      '+44 20 7946 0958',
      '+442079460958',
    ],
  ])('uses %s', (_case, fields, typed, e164) => {
    // Act
    const result = compileMapping(mapping)(lead({ ...fields, phone: typed }));

    // Assess
    expect(phoneOf(result)).toBe(e164);
  });

  it('reads a context value for the country', () => {
    // Prepare
    const map = compileMapping(
      phoneMapping({ from: 'phone', transform: 'e164', defaultCountry: { from: '$geo.country' } }),
    );

    // Act
    const result = map({
      fields: { phone: '06 12 34 56 78' },
      context: { 'geo.country': 'FR' },
    } as LeadInput);

    // Assess
    expect(phoneOf(result)).toBe('+33612345678');
  });

  it.each([
    [
      { from: 'phone', transform: 'e164', defaultCountry: 'UK' },
      'defaultCountry',
      '"UK" is not a country code',
    ],
    [
      { from: 'phone', transform: 'e164', defaultCountry: 'Spain' },
      'defaultCountry',
      'two-letter ISO country code',
    ],
    [{ from: 'phone', defaultCountry: 'GB' }, 'defaultCountry', 'add transform: e164'],
    [
      { from: 'phone', transform: 'e164', defaultCountry: { map: { a: 'b' } } },
      'defaultCountry',
      'say where',
    ],
    [{ from: 'phone', transform: 'e165' }, 'transform', ''],
  ])('refuses the config %j with a message at %s', (phone, key, message) => {
    // Act
    const result = sourceConfigSchema.safeParse({
      channel: 'partner',
      partner: { apiKeys: ['KEY'] },
      lead: { FirstName: 'a', LastName: 'b', Phone: [phone] },
    });

    // Assess
    expect(result.success).toBe(false);
    const issues = result.error?.issues ?? [];
    expect(
      issues.some((issue) => issue.path.includes(key) || issue.path.join('.').startsWith('lead.Phone.0')),
    ).toBe(true);
    expect(issues.map((issue) => issue.message).join('\n')).toContain(message);
  });
});

describe('e164 and the other steps', () => {
  it('counts an unreadable number once, even when a later step empties it and the error explains why', () => {
    // Prepare
    let unparsed = 0;
    const map = compileMapping(
      leadMappingSchema.parse({
        FirstName: { value: 'Ana' },
        LastName: { from: 'phone', transform: 'e164', defaultCountry: 'GB', map: { unknown: '' } },
      }),
      { onUnparsedPhone: () => unparsed++ },
    );

    // Act
    const result = map(lead({ phone: 'unknown' }));

    // Assess
    expect(result).toEqual({
      ok: false,
      errors: { LastName: 'required, but the value of phone is turned into an empty value by map' },
    });
    expect(unparsed).toBe(1);
  });
});

describe('e164 in deliver', () => {
  it('counts the numbers it keeps as typed in the phone_unparsed metric', async () => {
    // Prepare
    const source = sourceConfigSchema.parse({
      channel: 'partner',
      partner: { apiKeys: ['KEY'] },
      lead: {
        FirstName: { value: 'Ana' },
        LastName: { value: 'Ruiz' },
        Phone: [{ from: 'phone', transform: 'e164', defaultCountry: 'GB' }],
      },
    });
    const mapper = await deliveryMappers({ lookup: async () => () => undefined }).for({
      ...source,
      id: 'acme',
      file: 'sources/acme.yaml',
    });
    const before = counterValues().phone_unparsed ?? 0;

    // Act
    const unreadable = mapper(lead({ phone: 'call me' }));
    const readable = mapper(lead({ phone: '020 7946 0958' }));

    // Assess
    expect(phoneOf(unreadable)).toBe('call me');
    expect(phoneOf(readable)).toBe('+442079460958');
    expect((counterValues().phone_unparsed ?? 0) - before).toBe(1);
  });
});

describe('e164 never throws and never drops what was typed', () => {
  const typedPhone = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.stringMatching(/^\+?[0-9 ()\-.]{0,24}( ?(ext\.?|x|#) ?[0-9]{1,5})?$/),
    fc
      .array(
        fc.constantFrom('+', '0', '1', '4', '7', '9', ' ', '-', '(', ')', 'x', 'a', '#', '\u00a0', '٣'),
        {
          maxLength: 30,
        },
      )
      .map((chars) => chars.join('')),
  );
  const country = fc.constantFrom(
    undefined,
    'GB',
    'US',
    'ES',
    'DE',
    'FR',
    'JP',
    'BR',
    'IN',
    'AU',
    'AR',
    'xx',
    'Narnia',
  );

  it('gives a phone for every non-empty input: E.164 when read, else the input as typed (trimmed)', () => {
    fc.assert(
      fc.property(typedPhone, country, (typed, code) => {
        // Prepare
        let unparsed = 0;
        const map = compileMapping(
          phoneMapping({
            from: 'phone',
            transform: 'e164',
            defaultCountry: { from: 'country', default: 'GB' },
          }),
          { onUnparsedPhone: () => unparsed++ },
        );

        // Act
        const result = map(lead({ phone: typed, ...(code ? { country: code } : {}) }));

        // Assess
        expect(result.ok).toBe(true);
        const number = phoneOf(result);
        if (typed.trim() === '') {
          expect(number).toBeUndefined();
          expect(unparsed).toBe(0);
        } else if (unparsed === 1) {
          expect(number).toBe(typed.trim());
        } else {
          expect(unparsed).toBe(0);
          expect(number).toMatch(/^\+[1-9][0-9]{6,14}( ext\. [0-9]+)?$/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
