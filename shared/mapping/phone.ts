import type { CountryCode } from '#shared/mapping/phone-rules.ts';
import type { LeadMapping } from '#shared/sources/schema.ts';

/**
 * The `e164` transform's entry point for the mapping engine. The rules themselves (libphonenumber-js
 * and its ~120 KB of metadata) live in `phone-rules.ts`, which this module never imports statically:
 * `loadPhoneRules()` loads them on first use, so a function's cold start pays for them only when a
 * source's mapping uses `e164` (docs/architecture.md, "Cold start"). Whoever compiles a mapping
 * loads them first when `mappingNeedsPhoneRules` says so (`prepareMapping` in `engine.ts`); the
 * engine refuses to compile an `e164` step before they are loaded, so a forgotten load fails when
 * the mapping is compiled, never while a lead is mapped.
 */

export type { CountryCode };

type PhoneRules = typeof import('#shared/mapping/phone-rules.ts');

let rules: PhoneRules | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the phone rules (once; later calls return the same promise). A failed load is not
 * remembered: the next call tries again.
 *
 * @example
 * await loadPhoneRules();
 * toE164('+44 20 7946 0958'); // '+442079460958'
 */
export function loadPhoneRules(): Promise<void> {
  loading ??= import('#shared/mapping/phone-rules.ts').then(
    (module) => {
      rules = module;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/** Whether `loadPhoneRules()` has completed: `isPhoneCountry` and `toE164` may be called. */
export function phoneRulesLoaded(): boolean {
  return rules !== undefined;
}

/**
 * The loaded rules, or the programming error of using them before `loadPhoneRules()` completed.
 * `use` completes the message: "before <use>".
 */
export function requirePhoneRules(use: string): PhoneRules {
  if (rules === undefined) {
    throw new Error(
      `phone rules are not loaded: await loadPhoneRules() (or prepare the mapping) before ${use}`,
    );
  }
  return rules;
}

/**
 * Whether `code` is an ISO 3166-1 alpha-2 country code libphonenumber has numbering rules for
 * (upper case: `GB`, `ES`, `US`). Throws if the phone rules are not loaded.
 *
 * @example
 * await loadPhoneRules();
 * isPhoneCountry('GB'); // true
 * isPhoneCountry('UK'); // false (the ISO code is GB)
 */
export function isPhoneCountry(code: string): code is CountryCode {
  return requirePhoneRules('calling isPhoneCountry').isPhoneCountry(code);
}

/**
 * The E.164 form of a phone number, or `undefined` when it is not a valid number (see `toE164` in
 * `phone-rules.ts` for the rules). Throws if the phone rules are not loaded; never otherwise.
 *
 * @example
 * await loadPhoneRules();
 * toE164('020 7946 0958', 'GB'); // '+442079460958'
 */
export function toE164(value: string, defaultCountry?: CountryCode): string | undefined {
  return requirePhoneRules('calling toE164').toE164(value, defaultCountry);
}

/** Whether one value expression (or Email/Phone/Extra item) has an `e164` step, here or nested. */
function expressionUsesE164(expression: unknown): boolean {
  if (typeof expression !== 'object' || expression === null) return false; // a field name: no steps
  const { transform, defaultCountry } = expression as { transform?: unknown; defaultCountry?: unknown };
  if (transform === 'e164' || (Array.isArray(transform) && transform.includes('e164'))) return true;
  // defaultCountry's own expression is compiled (and may use e164) only inside an e164 step; looked
  // at anyway so that this answer never depends on the schema's rules
  return expressionUsesE164(defaultCountry);
}

/**
 * Whether compiling a source's `lead:` mapping needs the phone rules: any `e164` transform (alone
 * or in a list) in any field, Email, Phone or Extra item, or in a `defaultCountry` expression.
 *
 * @example
 * mappingNeedsPhoneRules({ FirstName: 'first_name', LastName: 'last_name' }); // false
 * mappingNeedsPhoneRules({ FirstName: 'f', LastName: 'l', Phone: [{ from: 'phone', transform: 'e164', type: 'mobile' }] }); // true
 */
export function mappingNeedsPhoneRules(mapping: LeadMapping): boolean {
  for (const value of Object.values(mapping)) {
    if (Array.isArray(value) ? value.some(expressionUsesE164) : expressionUsesE164(value)) return true;
  }
  return false;
}
