import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/min';

export type { CountryCode };

/**
 * The `e164` transform's rules: phone numbers as people type them → E.164 (`+442079460958`), with
 * libphonenumber-js and its smallest metadata set (`libphonenumber-js/min`, ~120 KB bundled: enough
 * to parse and validate; the larger sets only add number types, which leadgate does not use).
 *
 * The only module of `shared/` and `functions/` that imports libphonenumber-js. The mapping engine
 * reaches it through `phone.ts`, which loads it on first use (`loadPhoneRules`), so only a mapping
 * that uses `e164` pays for its metadata (docs/architecture.md, "Cold start"). The source config
 * schema imports it directly (it validates `defaultCountry` synchronously, and is not loaded at a
 * function's start).
 *
 * A number is rewritten only when libphonenumber says it is a valid number: a number that does not
 * parse, or parses but is not valid for its country (too short, unknown range, letters), comes back
 * unchanged, so nothing a person typed is ever dropped. docs/sources.md ("Phone numbers") describes
 * the rule for marketing ops.
 */

/** libphonenumber's own limit on the text it parses (MAX_INPUT_STRING_LENGTH). */
const MAX_INPUT_LENGTH = 250;
/** Any decimal digit, in any script (libphonenumber reads full-width and Arabic-Indic digits too). */
const anyDigit = /\p{Nd}/u;

/**
 * Whether `code` is an ISO 3166-1 alpha-2 country code libphonenumber has numbering rules for
 * (upper case: `GB`, `ES`, `US`).
 *
 * @example
 * isPhoneCountry('GB'); // true
 * isPhoneCountry('UK'); // false (the ISO code is GB)
 */
export function isPhoneCountry(code: string): code is CountryCode {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);
}

/**
 * The E.164 form of a phone number, or `undefined` when it is not a valid number. International
 * numbers (`+44 …`, `0044 …` from a country whose exit code is 00) need no country; national ones
 * (`020 7946 0958`) are read as numbers of `defaultCountry`. An extension is kept after the number:
 * `+442079460958 ext. 123`. Never throws.
 *
 * @example
 * toE164('+44 20 7946 0958'); // '+442079460958'
 * toE164('020 7946 0958', 'GB'); // '+442079460958'
 * toE164('020 7946 0958'); // undefined (national, and no country to read it with)
 * toE164('1-800-FLOWERS', 'US'); // undefined (letters: not a number libphonenumber validates)
 */
export function toE164(value: string, defaultCountry?: CountryCode): string | undefined {
  // libphonenumber refuses these too, only slower: no digit at all, or longer than any number it reads
  if (value.length > MAX_INPUT_LENGTH || !anyDigit.test(value)) return undefined;
  try {
    const parsed = parsePhoneNumberFromString(value, defaultCountry ? { defaultCountry } : {});
    if (parsed === undefined || !parsed.isValid()) return undefined;
    return parsed.ext ? `${parsed.number} ext. ${parsed.ext}` : parsed.number;
  } catch {
    return undefined; // libphonenumber does not throw for text input; a future version might
  }
}
