import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSources, parseSource } from '#shared/sources/loader.ts';

// The messages `leadgate sources check` shows for mistakes of less common shapes; loader.test.ts
// holds the common ones.

const partner = 'channel: partner\npartner: { apiKeys: [ACME_KEY] }\n';

function problemsOf(yaml: string) {
  const result = parseSource('acme', yaml);
  if (result.ok) throw new Error('expected problems, got a valid source');
  return result.problems.map(({ path, line, message }) => ({ path, line, message }));
}

describe('parseSource: messages for less common mistakes', () => {
  it.each([
    [
      'a channel that is a number',
      'channel: 5\nlead:\n  FirstName: a\n  LastName: b\n',
      {
        path: 'channel',
        line: 1,
        message: expect.stringMatching(/^invalid option 5: expected one of "form"\|/),
      },
    ],
    [
      'a transform that is a number',
      `${partner}lead:\n  FirstName: { from: a, transform: 5 }\n  LastName: b\n`,
      {
        path: 'lead.FirstName.transform',
        line: 4,
        message: expect.stringMatching(/^unknown transform 5: expected one of "trim"\|/),
      },
    ],
    [
      'an unknown key in an Extra entry',
      `${partner}lead:\n  FirstName: a\n  LastName: b\n  Extra:\n    - { id: "1", from: x, zzz: 1 }\n`,
      {
        path: 'lead.Extra[0]',
        line: 7,
        message: expect.stringMatching(/^unknown key "zzz": the keys here are from, value, .*, id, name$/),
      },
    ],
    [
      'a channel section that is not a mapping',
      'channel: partner\npartner: 5\nlead:\n  FirstName: a\n  LastName: b\n',
      { path: 'partner', line: 2, message: 'expected object' },
    ],
    [
      'an unknown key in a source written as JSON',
      '{"channel": "partner", "partner": {"apiKeys": ["K"], "xx": 1}, "lead": {"FirstName": "a", "LastName": "b"}}',
      {
        path: 'partner',
        line: 1,
        message: 'unknown key "xx": the keys here are apiKeys, signingSecrets, leadIdField, maxBatch',
      },
    ],
    ['a document that is a list', '- a\n- b\n', { path: '', line: 1, message: 'expected object' }],
  ])('explains %s', (_case, yaml, problem) => {
    // Act
    const problems = problemsOf(yaml);

    // Assess
    expect(problems).toEqual([problem]);
  });
});

describe('checkSources: a sources path that is not a folder', () => {
  it('reports the error instead of throwing', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'leadgate-sources-'));
    const file = join(dir, 'sources.yaml');
    writeFileSync(file, partner);

    // Act
    const { sources, problems } = checkSources(file);
    rmSync(dir, { recursive: true, force: true });

    // Assess
    expect(sources.size).toBe(0);
    expect(problems).toEqual([{ file, path: '', message: expect.stringContaining('ENOTDIR') }]);
  });
});
