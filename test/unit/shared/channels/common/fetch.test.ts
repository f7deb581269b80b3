import { describe, expect, it } from 'vitest';
import { fetchFailure, scrubbed } from '#shared/channels/common/fetch.ts';

describe('fetchFailure: a vendor fetch without an HTTP answer', () => {
  it.each([
    [
      'a timeout',
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      'no answer from Graph within 2000 ms',
    ],
    [
      'an abort',
      Object.assign(new Error('aborted'), { name: 'AbortError' }),
      'no answer from Graph within 2000 ms',
    ],
    [
      "undici's wrapped connection error",
      new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }),
      'cannot reach Graph (ECONNREFUSED)',
    ],
    ['an error without a code', new TypeError('fetch failed'), 'cannot reach Graph (TypeError)'],
    ['a thrown value that is not an Error', 'socket hang up', 'cannot reach Graph (unknown)'],
    ['a code buried deeper than five causes', deeplyWrapped(6), 'cannot reach Graph (Error)'],
  ])('answers transient, not ambiguous, for %s, naming only the code', (_case, error, message) => {
    // Act
    const outcome = fetchFailure('Graph', error, 2000);

    // Assess
    expect(outcome).toEqual({ kind: 'transient', message, ambiguous: false });
  });
});

describe('scrubbed', () => {
  it('hides every occurrence of each secret, but leaves values too short to be secrets', () => {
    // Act
    const text = scrubbed('token EAAB-1 rejected; EAAB-1 again; id 42', ['EAAB-1', '42']);

    // Assess
    expect(text).toBe('token [redacted] rejected; [redacted] again; id 42');
  });
});

/** An Error whose `code` sits `depth` causes down. */
function deeplyWrapped(depth: number): Error {
  let error: Error = Object.assign(new Error('connect'), { code: 'ECONNRESET' });
  for (let level = 0; level < depth; level++) error = new Error('wrapped', { cause: error });
  return error;
}
