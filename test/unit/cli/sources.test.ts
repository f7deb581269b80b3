import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bufferIo } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';
import { parseBody } from '#shared/http/body.ts';
import { customFieldsCacheText } from '#shared/preview/custom-fields-cache.ts';

const contactForm = `channel: form
form:
  allowedOrigins: ["https://www.example.com"]
  honeypot: _gotcha
lead:
  FirstName: { from: name, part: first }
  LastName: { from: name, part: last, default: "-" }
  Email:
    - { from: email, transform: [trim, lower] }
  Extra:
    - { name: Lead source, value: Website }
    - { id: "1411084438", from: $utm.campaign }
    - { id: "1411084440", from: topics }
`;

const brokenForm = `channel: form
form:
  allowedOrigins: ["https://www.example.com"]
lead:
  FirstName: first_name
  LastName: last_name
  Email:
    - { from: email, type: office }
`;

describe('leadgate sources', () => {
  const folders: string[] = [];
  /** A project folder with sources/<id>.yaml files (and optionally the custom-field cache). */
  const project = (sources: Record<string, string>, customFields?: { Name: string; ID: string }[]) => {
    const root = mkdtempSync(join(tmpdir(), 'leadgate-sources-'));
    folders.push(root);
    mkdirSync(join(root, 'sources'));
    for (const [id, yaml] of Object.entries(sources))
      writeFileSync(join(root, 'sources', `${id}.yaml`), yaml);
    if (customFields) {
      writeFileSync(
        join(root, 'sources', 'custom-fields.json'),
        customFieldsCacheText({ Persons: customFields, Organizations: [], Deals: [] }),
      );
    }
    return root;
  };
  const run = async (root: string, args: string[], stdin?: string) => {
    const io = bufferIo({ cwd: root, ...(stdin === undefined ? {} : { stdin }) });
    const code = await main(args, io);
    return { code, out: io.stdout(), err: io.stderr() };
  };
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  describe('check', () => {
    it('reports every valid source and exits 0', async () => {
      // Prepare
      const root = project({ contact: contactForm });

      // Act
      const result = await run(root, ['sources', 'check']);

      // Assess
      expect(result.code).toBe(0);
      expect(result.out).toContain('✔ 1 source valid: contact');
    });

    it('reports a problem with its file, line and path and exits 1', async () => {
      // Prepare
      const root = project({ contact: contactForm, spring: brokenForm });

      // Act
      const result = await run(root, ['sources', 'check']);

      // Assess
      expect(result.code).toBe(1);
      expect(result.out).toMatch(
        /error .*spring\.yaml:8 lead\.Email\[0\]\.type: invalid option "office": expected one of "work"\|"home"\|"other"/,
      );
      expect(result.out).toContain('✘ 1 problem in 1 file');
    });

    it('names a bad transform or key, lists the valid ones and suggests the closest', async () => {
      // Prepare
      const root = project({
        contact: contactForm
          .replace('transform: [trim, lower]', 'transform: [trim, lowercase]')
          .replace('  LastName:', '  FristName: { form: given_name }\n  LastName:')
          .concat('Extra:\n  - { id: "1411084437", value: Website }\n'),
      });

      // Act
      const result = await run(root, ['sources', 'check']);

      // Assess
      expect(result.code).toBe(1);
      const lines = result.out.split('\n').map((line) => line.replace(/^error .*sources\//, ''));
      expect(lines).toEqual(
        expect.arrayContaining([
          'contact.yaml:7 lead: unknown key "FristName" (did you mean "FirstName"?)',
          'contact.yaml:10 lead.Email[0].transform[1]: unknown transform "lowercase" (did you mean "lower"?): ' +
            'expected one of "trim"|"lower"|"upper"|"title"|"digits"|"collapse"|"e164"',
          'contact.yaml:15: unknown key "Extra": Extra is an Onpipeline field: is it indented under lead:?',
        ]),
      );
      expect(result.out).not.toContain('expected a field name');
    });

    it('suggests the key a misspelt expression key meant', async () => {
      // Prepare
      const root = project({ contact: contactForm.replace('{ from: email,', '{ form: email,') });

      // Act
      const result = await run(root, ['sources', 'check']);

      // Assess
      expect(result.code).toBe(1);
      expect(result.out).toMatch(
        /contact\.yaml:9 lead\.Email\[0\]: unknown key "form" \(did you mean "from"\?\)/,
      );
      expect(result.out).not.toContain('say where the value comes from');
      expect(result.out).toContain('✘ 1 problem in 1 file');
    });

    it('gives scripts the problems as JSON', async () => {
      // Prepare
      const root = project({ spring: brokenForm });

      // Act
      const result = await run(root, ['sources', 'check', '--json']);

      // Assess
      expect(result.code).toBe(1);
      const answer = JSON.parse(result.out);
      expect(answer.ok).toBe(false);
      expect(answer.problems).toEqual([
        expect.objectContaining({
          line: 8,
          path: 'lead.Email[0].type',
          file: expect.stringContaining('spring.yaml'),
        }),
      ]);
    });

    it('fails on a name: custom field the pulled list does not have, with its line and fields push', async () => {
      // Prepare
      const root = project({ contact: contactForm }, [{ Name: 'Lead origin', ID: '1411084437' }]);

      // Act
      const result = await run(root, ['sources', 'check']);

      // Assess
      expect(result.code).toBe(1);
      expect(result.out).toMatch(
        /error .*contact\.yaml:11 lead\.Extra\[0\]\.name: custom field "Lead source" does not exist in Onpipeline/,
      );
      expect(result.out).toContain('create it with leadgate fields push');
      expect(result.out).toContain('✘ 1 problem in 1 file');
    });

    it('suggests the closest cached name for a probable typo, in text and in JSON', async () => {
      // Prepare
      const root = project({ contact: contactForm.replace('Lead source', 'lead sorce') }, [
        { Name: 'Lead source', ID: '1411084437' },
        { Name: 'UTM source', ID: '1411084439' },
      ]);

      // Act
      const text = await run(root, ['sources', 'check']);
      const json = await run(root, ['sources', 'check', '--json']);

      // Assess
      expect(text.code).toBe(1);
      expect(text.out).toContain('custom field "lead sorce" does not exist');
      expect(text.out).toContain('did you mean "Lead source"?');
      expect(json.code).toBe(1);
      expect(JSON.parse(json.out)).toMatchObject({
        ok: false,
        problems: [
          {
            path: 'lead.Extra[0].name',
            line: 11,
            message: expect.stringContaining('did you mean "Lead source"?'),
          },
        ],
      });
    });

    it('passes when every name: custom field is in the pulled list (any case)', async () => {
      // Prepare
      const root = project({ contact: contactForm }, [{ Name: 'LEAD SOURCE', ID: '1411084437' }]);

      // Act
      const result = await run(root, ['sources', 'check']);

      // Assess
      expect(result.code).toBe(0);
      expect(result.out).toContain('✔ 1 source valid: contact');
    });

    it('only warns that names are not checked when there is no pulled list yet', async () => {
      // Prepare
      const root = project({ contact: contactForm });

      // Act
      const result = await run(root, ['sources', 'check']);

      // Assess
      expect(result.code).toBe(0);
      expect(result.out).toMatch(
        /warning .*custom-fields\.json: no custom-field list yet.*leadgate fields pull/,
      );
    });

    it('reports a broken custom-field cache as a problem', async () => {
      // Prepare
      const root = project({ contact: contactForm });
      writeFileSync(join(root, 'sources', 'custom-fields.json'), '{"tables": 1}');

      // Act
      const result = await run(root, ['sources', 'check']);

      // Assess
      expect(result.code).toBe(1);
      expect(result.out).toContain('custom-fields.json');
    });
  });

  describe('preview', () => {
    it('shows the exact Leadsin body of a JSON payload, names unresolved without a cache', async () => {
      // Prepare
      const root = project({ contact: contactForm });
      writeFileSync(
        join(root, 'lead.json'),
        JSON.stringify({ name: 'Ana María Ruiz', email: ' ANA@Example.TEST ', topics: ['Pricing', 'Demo'] }),
      );

      // Act
      const result = await run(root, ['sources', 'preview', 'contact', 'lead.json', '--json']);

      // Assess
      expect(result.code).toBe(0);
      const [lead] = JSON.parse(result.out).leads;
      expect(lead.body).toEqual({
        FirstName: 'Ana',
        LastName: 'María Ruiz',
        Email: [{ Address: 'ana@example.test', Type: 'work' }],
        Extra: [
          { ID: '<unresolved: Lead source>', Value: 'Website' },
          { ID: '1411084440', Value: 'Pricing, Demo' },
        ],
      });
      expect(lead.unresolved).toEqual(['Lead source']);
    });

    it('resolves name: custom fields with the committed cache, case-insensitively', async () => {
      // Prepare
      const root = project({ contact: contactForm }, [{ Name: 'LEAD SOURCE', ID: '1411084437' }]);

      // Act
      const result = await run(root, ['sources', 'preview', 'contact', '-', '--json'], 'name=Ana Ruiz');

      // Assess
      const [lead] = JSON.parse(result.out).leads;
      expect(lead.body.Extra).toEqual([{ ID: '1411084437', Value: 'Website' }]);
      expect(lead.unresolved).toEqual([]);
    });

    it('refuses a lead whose name: custom field the cache does not know, as deliver would', async () => {
      // Prepare
      const root = project({ contact: contactForm }, [{ Name: 'Something else', ID: '1' }]);

      // Act
      const result = await run(root, ['sources', 'preview', 'contact', '-'], 'name=Ana Ruiz');

      // Assess
      expect(result.code).toBe(1);
      expect(result.out).toContain('Extra[0]: custom field "Lead source" is not defined in Onpipeline');
    });

    it('reads one name=value per line, with $utm values from the referer', async () => {
      // Prepare
      const root = project({ contact: contactForm });
      const payload = 'name=Ana Ruiz\ntopics=Pricing\ntopics=Demo\n';

      // Act
      const result = await run(
        root,
        ['sources', 'preview', 'contact', '-', '--referer', 'https://www.example.com/?utm_campaign=spring'],
        payload,
      );

      // Assess
      expect(result.code).toBe(0);
      expect(result.out).toContain('✔ Leadsin body:');
      expect(result.out).toContain('"Value": "spring"');
      expect(result.out).toContain('"Value": "Pricing, Demo"');
      expect(result.out).toContain('custom field "Lead source" not resolved');
    });

    it('reads name=value lines literally, as a browser posts those values', async () => {
      // Prepare: a person types a phone number with + and a sum into a sample file
      const root = project({
        contact: `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: { from: name, part: first }
  LastName: { from: name, part: last }
  Phone:
    - { from: phone }
  Extra:
    - { id: "1411084441", from: note }
`,
      });
      writeFileSync(
        join(root, 'sample.txt'),
        'name=Ana Ruiz\nphone=+44 20 7946 0958\nnote=1+1=2 & 50%25 off\n',
      );

      // Act
      const result = await run(root, ['sources', 'preview', 'contact', 'sample.txt', '--json']);

      // Assess: the same fields the gateway reads from a real form post of those values
      expect(result.code).toBe(0);
      const [lead] = JSON.parse(result.out).leads;
      expect(lead.fields).toEqual({ name: 'Ana Ruiz', phone: '+44 20 7946 0958', note: '1+1=2 & 50%25 off' });
      const posted = new URLSearchParams({
        name: 'Ana Ruiz',
        phone: '+44 20 7946 0958',
        note: '1+1=2 & 50%25 off',
      });
      const { fields } = await parseBody('application/x-www-form-urlencoded', Buffer.from(posted.toString()));
      expect(lead.fields).toEqual({ ...fields });
      expect(lead.body.Phone).toEqual([{ Number: '+44 20 7946 0958', Type: 'mobile' }]);
      expect(lead.body.Extra).toEqual([{ ID: '1411084441', Value: '1+1=2 & 50%25 off' }]);
    });

    it('says which line of a sample file is not name=value', async () => {
      // Prepare
      const root = project({ contact: contactForm });

      // Act
      const result = await run(root, ['sources', 'preview', 'contact', '-'], 'name=Ana Ruiz\n\nAna Ruiz\n');

      // Assess
      expect(result.code).toBe(1);
      expect(result.err).toContain('line 3 is not name=value');
    });

    it('lists the accepted payload formats in its help', async () => {
      // Act
      const result = await run(mkdtempSync(join(tmpdir(), 'leadgate-help-')), [
        'sources',
        'preview',
        '--help',
      ]);

      // Assess
      expect(result.code).toBe(0);
      for (const format of ['JSON object', 'JSON array', 'webhook payload', 'name=value lines']) {
        expect(result.out).toContain(format);
      }
      expect(result.out).toContain('read literally');
      expect(result.out).toContain('+44 20 7946 0958 keeps its +');
    });

    it('lists the field errors of a lead the mapping refuses and exits 1', async () => {
      // Prepare
      const root = project({ contact: contactForm });

      // Act
      const result = await run(root, ['sources', 'preview', 'contact', '-'], '{"email": "a@b.test"}');

      // Assess
      expect(result.code).toBe(1);
      expect(result.out).toContain('✘ this lead would be refused (422)');
      expect(result.out).toContain('FirstName: required, but name has no value');
    });

    it('says when the honeypot is filled in', async () => {
      // Prepare
      const root = project({ contact: contactForm });

      // Act
      const result = await run(
        root,
        ['sources', 'preview', 'contact', '-'],
        'name=Bot Bot\n_gotcha=http://spam',
      );

      // Assess
      expect(result.out).toContain('the honeypot field _gotcha is filled in');
    });

    it('explains an unknown source, an invalid source and an unreadable payload', async () => {
      // Prepare
      const root = project({ contact: contactForm, spring: brokenForm });

      // Act
      const unknown = await run(root, ['sources', 'preview', 'autumn', '-'], '{}');
      const invalid = await run(root, ['sources', 'preview', 'spring', '-'], '{}');
      const missingFile = await run(root, ['sources', 'preview', 'contact', 'nowhere.json']);
      const unreadable = await run(root, ['sources', 'preview', 'contact', '-'], '{"name": ');

      // Assess
      expect(unknown.code).toBe(1);
      expect(unknown.err).toContain('no source "autumn"');
      expect(unknown.err).toContain('known sources: contact');
      expect(invalid.err).toMatch(
        /the source spring is invalid: its file .*spring\.yaml on disk does not validate/,
      );
      expect(invalid.err).toMatch(/spring\.yaml:8 lead\.Email\[0\]\.type: invalid option "office"/);
      expect(invalid.err).toContain('nothing was previewed');
      expect(missingFile.err).toContain('cannot read nowhere.json: no such file');
      expect(unreadable.err).toContain('cannot be read as a form lead');
    });

    it('needs a source and a payload', async () => {
      // Prepare
      const root = project({ contact: contactForm });

      // Act
      const result = await run(root, ['sources', 'preview', 'contact']);

      // Assess
      expect(result.code).toBe(2);
    });
  });
});
