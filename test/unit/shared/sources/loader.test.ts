import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatProblem, SourceConfigError, type SourceProblem } from '#shared/sources/errors.ts';
import { checkSources, loadSources, parseSource } from '#shared/sources/loader.ts';

const shippedSources = join(process.cwd(), 'sources');

/** A valid form source; tests replace one line at a time. */
const validForm = `channel: form
description: Contact form
form:
  allowedOrigins: ["https://www.example.com"]
lead:
  FirstName: first_name
  LastName: { from: last_name, default: "-" }
  Email:
    - { from: email, type: work }
  Extra:
    - { id: "1411084437", from: $utm.campaign }
`;

const validPartner = `channel: partner
partner: { apiKeys: [ACME_PARTNER_KEY] }
lead:
  FirstName: first
  LastName: last
`;

function problemsOf(result: ReturnType<typeof parseSource>): SourceProblem[] {
  if (result.ok) throw new Error('expected problems, got a valid source');
  return result.problems;
}

const tempDirs: string[] = [];

function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadgate-sources-'));
  tempDirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the shipped sources', () => {
  it('loads sources/demo-contact.yaml', () => {
    // Act
    const sources = loadSources(shippedSources);

    // Assess
    const demo = sources.get('demo-contact');
    expect(demo).toMatchObject({ id: 'demo-contact', channel: 'form' });
    expect(demo?.file).toMatch(/demo-contact\.yaml$/);
    expect(demo?.form?.allowedOrigins.length).toBeGreaterThan(0);
  });
});

describe('parseSource', () => {
  it('parses a valid source, taking the id from the file name', () => {
    // Act
    const result = parseSource('contact-form', validForm, 'sources/contact-form.yaml');

    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.source).toMatchObject({
      id: 'contact-form',
      file: 'sources/contact-form.yaml',
      channel: 'form',
      lead: { FirstName: 'first_name', Email: [{ from: 'email', type: 'work' }] },
    });
  });

  it('names the file, the path inside it and the line of a wrong enum value', () => {
    // Act
    const problems = problemsOf(
      parseSource('contact', validForm.replace('type: work', 'type: office'), 'sources/contact.yaml'),
    );

    // Assess
    expect(problems).toEqual([
      {
        file: 'sources/contact.yaml',
        path: 'lead.Email[0].type',
        line: 9,
        message: expect.stringContaining('work'),
      },
    ]);
    expect(formatProblem(problems[0] as SourceProblem)).toMatch(
      /^sources\/contact\.yaml:9 lead\.Email\[0\]\.type: /,
    );
  });

  it('reports a missing FirstName as required', () => {
    // Act
    const problems = problemsOf(parseSource('contact', validForm.replace('  FirstName: first_name\n', '')));

    // Assess
    expect(problems).toEqual([
      { file: 'contact.yaml', path: 'lead.FirstName', line: expect.any(Number), message: 'required' },
    ]);
  });

  it('names an unknown key and its line', () => {
    // Act
    const problems = problemsOf(
      parseSource('contact', validForm.replace('  LastName:', '  Lastname: x\n  LastName:')),
    );

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      path: 'lead',
      line: 7,
      message: expect.stringContaining('Lastname'),
    });
  });

  it('names an unknown top-level key', () => {
    // Act
    const problems = problemsOf(parseSource('contact', `${validForm}colour: blue\n`));

    // Assess
    expect(problems).toEqual([
      { file: 'contact.yaml', path: '', line: 12, message: expect.stringContaining('colour') },
    ]);
  });

  it.each([
    [
      'an unknown transform',
      '  LastName: { from: last_name, transform: lowercase }',
      'lead.LastName.transform',
      'unknown transform "lowercase" (did you mean "lower"?): expected one of "trim"|"lower"|"upper"|"title"|"digits"|"collapse"|"e164"',
    ],
    [
      'an unknown transform in a list',
      '  LastName: { from: last_name, transform: [trim, titlecase] }',
      'lead.LastName.transform[1]',
      'unknown transform "titlecase" (did you mean "title"?): expected one of "trim"|"lower"|"upper"|"title"|"digits"|"collapse"|"e164"',
    ],
    [
      'a misspelt Onpipeline field',
      '  FristName: x\n  LastName: last_name',
      'lead',
      'unknown key "FristName" (did you mean "FirstName"?)',
    ],
    [
      'a misspelt expression key',
      '  LastName: { form: last_name }',
      'lead.LastName',
      'unknown key "form" (did you mean "from"?)',
    ],
  ])('names the bad value and suggests the closest valid one: %s', (_what, line, path, message) => {
    // Act
    const problems = problemsOf(
      parseSource('contact', validForm.replace('  LastName: { from: last_name, default: "-" }', line)),
    );

    // Assess
    expect(problems[0]).toEqual({ file: 'contact.yaml', path, line: 7, message });
  });

  it('says which values a missing channel may take', () => {
    // Act
    const problems = problemsOf(parseSource('contact', validForm.replace('channel: form\n', '')));

    // Assess
    expect(problems).toContainEqual(
      expect.objectContaining({
        path: 'channel',
        message: 'required: one of "form"|"partner"|"google-ads"|"meta"|"linkedin"|"tiktok"',
      }),
    );
  });

  it('suggests the channel section a misspelt one meant', () => {
    // Act
    const problems = problemsOf(
      parseSource('acme', validPartner.replace('partner: { apiKeys:', 'partner: { apikeys:')),
    );

    // Assess
    expect(problems).toContainEqual({
      file: 'acme.yaml',
      path: 'partner',
      line: 2,
      message: 'unknown key "apikeys" (did you mean "apiKeys"?)',
    });
  });

  it('asks whether a lead field at the top level is indented under lead:', () => {
    // Act
    const problems = problemsOf(
      parseSource(
        'contact',
        `${validForm.replace(/ {2}Extra:\n.*\n$/, '')}Extra:\n  - { id: "1", value: x }\n`,
      ),
    );

    // Assess
    expect(problems).toEqual([
      {
        file: 'contact.yaml',
        path: '',
        line: 10,
        message: 'unknown key "Extra": Extra is an Onpipeline field: is it indented under lead:?',
      },
    ]);
  });

  it('lists the valid keys when no key is close', () => {
    // Act
    const problems = problemsOf(parseSource('contact', `${validForm}colour: blue\n`));

    // Assess
    expect(problems[0]?.message).toBe(
      'unknown key "colour": the keys here are channel, description, form, partner, googleAds, meta, linkedin, tiktok, lead',
    );
  });

  it.each([
    ['a nested compact mapping', 'channel: form\nlead:\n  FirstName: a: b\n  LastName: c\n', 3],
    ['a wrong indentation', 'channel: form\nlead:\n  FirstName: a\n LastName: c\n', 4],
    ['a duplicate key', 'channel: form\nchannel: partner\n', 2],
    ['a tab indentation', 'channel: form\nlead:\n\tFirstName: a\n', 3],
  ])('reports a YAML syntax error (%s) with its line', (_what, text, line) => {
    // Act
    const problems = problemsOf(parseSource('contact', text));

    // Assess
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({
      file: 'contact.yaml',
      path: '',
      line,
      message: expect.stringMatching(/^YAML syntax: /),
    });
  });

  it.each(['Contact', 'contact_form', '-contact', 'contact.form', '', 'x'.repeat(64)])(
    'refuses the file name %j as a source id',
    (id) => {
      // Act
      const problems = problemsOf(parseSource(id, validForm));

      // Assess
      expect(problems).toEqual([
        { file: `${id}.yaml`, path: '', message: expect.stringContaining('not a valid source id') },
      ]);
    },
  );

  it('requires a form: section in a form source', () => {
    // Act
    const problems = problemsOf(
      parseSource('contact', validForm.replace('form:\n  allowedOrigins: ["https://www.example.com"]\n', '')),
    );

    // Assess
    expect(problems).toEqual([
      {
        file: 'contact.yaml',
        path: 'form',
        line: expect.any(Number),
        message: expect.stringContaining('needs a form: section'),
      },
    ]);
  });

  it('refuses a partner: section in a form source', () => {
    // Act
    const problems = problemsOf(parseSource('contact', `${validForm}partner: { apiKeys: [ACME_KEY] }\n`));

    // Assess
    expect(problems).toEqual([
      {
        file: 'contact.yaml',
        path: 'partner',
        line: 12,
        message: 'a form source has no partner: section',
      },
    ]);
  });

  it('accepts a partner source without a form: section', () => {
    // Act
    const result = parseSource('acme', validPartner);

    // Assess
    expect(result.ok).toBe(true);
  });

  it('refuses from and value together', () => {
    // Act
    const problems = problemsOf(
      parseSource(
        'contact',
        validForm.replace('{ from: last_name, default: "-" }', '{ from: last_name, value: X }'),
      ),
    );

    // Assess
    expect(problems).toEqual([
      {
        file: 'contact.yaml',
        path: 'lead.LastName',
        line: 7,
        message: expect.stringContaining('use only one of from, value, template'),
      },
    ]);
  });

  it.each([
    ['both id and name', '{ id: "1411084437", name: Budget, from: budget }'],
    ['neither id nor name', '{ from: budget }'],
  ])('refuses an Extra with %s', (_what, extra) => {
    // Act
    const problems = problemsOf(
      parseSource('contact', validForm.replace('{ id: "1411084437", from: $utm.campaign }', extra)),
    );

    // Assess
    expect(problems).toEqual([
      {
        file: 'contact.yaml',
        path: 'lead.Extra[0]',
        line: 11,
        message: 'a custom field needs exactly one of id or name',
      },
    ]);
  });

  it('reports every problem of one file', () => {
    // Prepare
    const text = validForm.replace('type: work', 'type: office').replace('{ id: "1411084437", ', '{ ');

    // Act
    const problems = problemsOf(parseSource('contact', text));

    // Assess
    expect(problems.map((problem) => problem.path).sort()).toEqual(['lead.Email[0].type', 'lead.Extra[0]']);
  });
});

describe('checkSources', () => {
  it('returns the valid sources and the problems of the others, naming each file', () => {
    // Prepare
    const dir = tempDir({
      'contact.yaml': validForm,
      'acme.yml': validPartner,
      'broken.yaml': validForm.replace('type: work', 'type: office'),
      'README.md': '# not a source',
    });

    // Act
    const { sources, problems } = checkSources(dir);

    // Assess
    expect([...sources.keys()].sort()).toEqual(['acme', 'contact']);
    expect(problems).toEqual([
      {
        file: join(dir, 'broken.yaml'),
        path: 'lead.Email[0].type',
        line: 9,
        message: expect.any(String),
      },
    ]);
  });

  it('reports a source id defined by two files', () => {
    // Prepare
    const dir = tempDir({ 'contact.yaml': validForm, 'contact.yml': validForm });

    // Act
    const { problems } = checkSources(dir);

    // Assess
    expect(problems).toEqual([expect.objectContaining({ message: 'source id "contact" is defined twice' })]);
  });

  it('reports a missing folder', () => {
    // Prepare
    const missing = join(tempDir(), 'nope');

    // Act
    const { sources, problems } = checkSources(missing);

    // Assess
    expect(sources.size).toBe(0);
    expect(problems).toEqual([{ file: missing, path: '', message: 'folder not found' }]);
  });

  it('gives an empty folder no sources and no problems', () => {
    // Prepare
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));

    // Act
    const result = checkSources(dir);

    // Assess
    expect(result.sources.size).toBe(0);
    expect(result.problems).toEqual([]);
  });
});

describe('loadSources', () => {
  it('returns every source of a valid folder by id', () => {
    // Prepare
    const dir = tempDir({ 'contact.yaml': validForm, 'acme.yaml': validPartner });

    // Act
    const sources = loadSources(dir);

    // Assess
    expect(sources.get('contact')?.channel).toBe('form');
    expect(sources.get('acme')?.channel).toBe('partner');
  });

  it('throws a SourceConfigError whose message lists every problem of every file', () => {
    // Prepare
    const dir = tempDir({
      'contact.yaml': validForm,
      'broken.yaml': validForm.replace('type: work', 'type: office'),
      'Bad_Name.yaml': validForm,
      'syntax.yaml': 'channel: form\nlead:\n  FirstName: a: b\n',
    });

    // Act
    let thrown: unknown;
    try {
      loadSources(dir);
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(SourceConfigError);
    const error = thrown as SourceConfigError;
    expect(error.code).toBe('invalid_source_config');
    expect(error.problems).toHaveLength(3);
    expect(error.message).toContain(`${join(dir, 'broken.yaml')}:9 lead.Email[0].type: `);
    expect(error.message).toContain(join(dir, 'Bad_Name.yaml'));
    expect(error.message).toContain('not a valid source id');
    expect(error.message).toContain(`${join(dir, 'syntax.yaml')}:3: YAML syntax: `);
    for (const problem of error.problems) expect(error.message).toContain(formatProblem(problem));
  });

  it('throws a SourceConfigError for a missing folder', () => {
    // Prepare
    const missing = join(tempDir(), 'nope');

    // Act
    const load = () => loadSources(missing);

    // Assess
    expect(load).toThrow(SourceConfigError);
    expect(load).toThrow(/folder not found/);
  });
});

describe('formatProblem', () => {
  it.each([
    [
      { file: 'sources/a.yaml', path: 'lead.FirstName', line: 3, message: 'required' },
      'sources/a.yaml:3 lead.FirstName: required',
    ],
    [{ file: 'sources/a.yaml', path: '', message: 'folder not found' }, 'sources/a.yaml: folder not found'],
    [{ file: 'sources/a.yaml', path: 'form', message: 'x' }, 'sources/a.yaml form: x'],
  ])('formats %j', (problem, expected) => {
    // Act
    const text = formatProblem(problem);

    // Assess
    expect(text).toBe(expected);
  });
});

describe('form redirect targets', () => {
  const withRedirect = (target: string) =>
    validForm.replace(
      '  allowedOrigins: ["https://www.example.com"]\n',
      `  allowedOrigins: ["https://www.example.com"]\n  redirect: { success: ${JSON.stringify(target)} }\n`,
    );

  it.each([
    'https://www.example.com/thanks',
    '/thanks',
    '/?error=1',
    'http://127.0.0.1:3000/thanks',
    'http://localhost/thanks',
    'http://[::1]:3000/thanks',
  ])('accepts %s', (target) => {
    // Act
    const result = parseSource('contact', withRedirect(target));

    // Assess
    expect(result.ok).toBe(true);
  });

  it.each([
    ['a protocol-relative URL', '//evil.example/thanks'],
    ['a slash-backslash URL', '/\\evil.example/thanks'],
    ['plain http to another host', 'http://www.example.com/thanks'],
    ['another scheme', 'javascript:alert(1)'],
    ['an https URL without a host', 'https:///thanks'],
    ['a backslash inside an https URL', 'https://www.example.com\\@evil.example/'],
  ])('refuses %s', (_name, target) => {
    // Act
    const problems = problemsOf(parseSource('contact', withRedirect(target)));

    // Assess
    expect(problems.map((problem) => problem.path)).toContainEqual(expect.stringContaining('redirect'));
  });
});
