import { describe, expect, it } from 'vitest';
import { parseSource } from '#shared/sources/loader.ts';

// The schema's own rules for channel sections and value expressions, as `leadgate sources check`
// reports them (through parseSource, the one way sources are read).

const lead = 'lead:\n  FirstName: a\n  LastName: b\n';

function problemsOf(yaml: string) {
  const result = parseSource('acme', yaml);
  if (result.ok) throw new Error('expected problems, got a valid source');
  return result.problems.map(({ path, message }) => ({ path, message }));
}

describe('source schema: what each channel section needs', () => {
  it.each([
    [
      'a meta source without its section',
      `channel: meta\n${lead}`,
      'meta',
      'a meta source needs a meta: section (pageId and pageToken)',
    ],
    [
      'a page id written as a number',
      `channel: meta\nmeta: { pageId: 104345678901234, pageToken: T }\n${lead}`,
      'meta.pageId',
      'quote the id: "104345678901234"',
    ],
    ['a missing page id', `channel: meta\nmeta: { pageToken: T }\n${lead}`, 'meta.pageId', 'required'],
    [
      'an advertiser id written as a number',
      `channel: tiktok\ntiktok: { advertiserId: 7000000000000000001 }\n${lead}`,
      'tiktok.advertiserId',
      'quote the id: "7000000000000000001"',
    ],
    ['a missing advertiser id', `channel: tiktok\ntiktok: {}\n${lead}`, 'tiktok.advertiserId', 'required'],
    [
      'a name part without the field it splits',
      'channel: partner\npartner: { apiKeys: [K] }\nlead:\n  FirstName: { part: first, default: x }\n  LastName: b\n',
      'lead.FirstName.part',
      'part (first|last) splits a full name: it needs from',
    ],
  ])('refuses %s, saying what to write', (_case, yaml, path, message) => {
    // Act
    const problems = problemsOf(yaml);

    // Assess
    expect(problems).toEqual([{ path, message }]);
  });
});

describe('source schema: form redirects', () => {
  it('accepts plain http only for a loopback host (the one-machine runtime)', () => {
    // Prepare
    const form = (url: string) =>
      `channel: form\nform: { allowedOrigins: ["*"], redirect: { success: "${url}" } }\n${lead}`;

    // Act
    const loopback = parseSource('acme', form('http://localhost:3000/thanks'));
    const elsewhere = parseSource('acme', form('http://www.example.com/thanks'));

    // Assess
    expect(loopback.ok).toBe(true);
    expect(elsewhere.ok ? [] : elsewhere.problems.map((problem) => problem.path)).toEqual([
      'form.redirect.success',
    ]);
  });
});
