import type { Envelope } from '#shared/envelope.ts';

/**
 * Who asked to be forgotten (GDPR erasure): e-mail addresses and phone numbers, normalised for
 * matching. Built from what the person gave; never logged or printed.
 *
 * @example
 * const subject = erasureSubject({ emails: ['Ana@Example.com'], phones: ['+34 600 11 22 33'] });
 * if (envelopeMatches(subject, envelope)) ...
 */
export interface ErasureSubject {
  /** Lower-cased, trimmed addresses. */
  emails: ReadonlySet<string>;
  /** Digits only, a leading international `00` dropped. */
  phones: ReadonlySet<string>;
}

/** The fewest digits a phone number must have to be matched (shorter would match strangers). */
export const MIN_PHONE_DIGITS = 6;

const normalEmail = (value: string) => value.trim().toLowerCase();
const normalPhone = (value: string) => value.replace(/\D/g, '').replace(/^00/, '');

/** Whether a value given for `--email` looks like an address (something@something). */
export function isEmailLike(value: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(value.trim());
}

/** Whether a value given for `--phone` has enough digits to be matched safely. */
export function isPhoneLike(value: string): boolean {
  return normalPhone(value).length >= MIN_PHONE_DIGITS;
}

export function erasureSubject(given: {
  emails?: readonly string[];
  phones?: readonly string[];
}): ErasureSubject {
  return {
    emails: new Set((given.emails ?? []).map(normalEmail).filter((email) => email !== '')),
    phones: new Set(
      (given.phones ?? []).map(normalPhone).filter((phone) => phone.length >= MIN_PHONE_DIGITS),
    ),
  };
}

/**
 * Whether any value is one of the subject's addresses (case-insensitive) or phone numbers (same
 * digits, formatting ignored). A value is compared whole: `ana@example.com` does not match
 * `hana@example.com`.
 */
export function valuesMatch(subject: ErasureSubject, values: Iterable<string>): boolean {
  for (const value of values) {
    if (subject.emails.size > 0 && subject.emails.has(normalEmail(value))) return true;
    if (subject.phones.size > 0) {
      const digits = normalPhone(value);
      if (digits.length >= MIN_PHONE_DIGITS && subject.phones.has(digits)) return true;
    }
  }
  return false;
}

/** Every string inside a JSON-like value (fields, a Leadsin body). */
export function* stringsOf(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* stringsOf(item);
  else if (value !== null && typeof value === 'object')
    for (const item of Object.values(value)) yield* stringsOf(item);
}

/** Whether the envelope's input fields hold one of the subject's addresses or numbers. */
export function envelopeMatches(subject: ErasureSubject, envelope: Pick<Envelope, 'fields'>): boolean {
  return valuesMatch(subject, stringsOf(envelope.fields));
}
