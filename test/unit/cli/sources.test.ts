import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { customFieldsCacheText } from '../../../cli/custom-fields.ts';
import { bufferIo } from '../../../cli/io.ts';
import { main } from '../../../cli/leadgate.ts';

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
      expect(result.out).toMatch(/error .*spring\.yaml:8 lead\.Email\[0\]\.type: Invalid option/);
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

    it('reads urlencoded text, one name=value per line, with $utm values from the referer', async () => {
      // Prepare
      const root = project({ contact: contactForm });
      const payload = 'name=Ana+Ruiz\ntopics=Pricing\ntopics=Demo\n';

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
        'name=Bot+Bot&_gotcha=http://spam',
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
      expect(invalid.err).toContain('the source spring is invalid');
      expect(invalid.err).toContain('lead.Email[0].type');
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
