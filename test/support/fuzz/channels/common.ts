import fc from 'fast-check';
import { fuzzIds } from '#test/support/fuzz/sources.ts';
import { text } from '#test/support/fuzz/text.ts';

/** Ids as senders write them: the fixture's own, numbers past 2^53 (verbatim), or anything. */
export const idLike = fc.oneof(
  fc.constantFrom(fuzzIds.page, fuzzIds.form, fuzzIds.advertiser, fuzzIds.linkedinForm, '12021234567890123'),
  fc.bigInt({ min: 0n, max: 2n ** 70n }).map((value) => ({ raw: value.toString() })),
  fc.integer(),
  text,
  fc.constant(null),
);
