import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type LiveSourceRegistry,
  liveSourceRegistry,
  type SourceState,
  sourceReporter,
  sourceStateLines,
} from '#local/live-sources.ts';
import { eventually } from '#test/support/runtime.ts';

const form = (firstName: string) => `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: ${firstName}
  LastName: last_name
`;

const broken = `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: last_name
  Email:
    - { from: email, type: office }
`;

const firstNameOf = (registry: LiveSourceRegistry, id: string) => {
  const expression = registry.get(id)?.lead.FirstName;
  return typeof expression === 'string' ? expression : undefined;
};

describe('the live source registry (one machine)', () => {
  const cleanups: (() => void)[] = [];
  /** A sources folder and a registry following it; both go away after the test. */
  const live = (files: Record<string, string>, options: Parameters<typeof liveSourceRegistry>[1] = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'leadgate-live-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const changes: SourceState[] = [];
    const registry = liveSourceRegistry(dir, {
      ...options,
      onChange: (state) => changes.push(state),
    });
    cleanups.push(() => {
      registry.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { dir, registry, changes };
  };
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('applies a saved edit without any request arriving', async () => {
    // Prepare
    const { dir, registry, changes } = live({ 'contact.yaml': form('first_name') });

    // Act
    writeFileSync(join(dir, 'contact.yaml'), form('given_name'));

    // Assess
    await eventually(() => changes.length > 0, 5000, 'the reload');
    expect(registry.mode()).toBe('watch');
    expect(firstNameOf(registry, 'contact')).toBe('given_name');
    expect(changes.at(-1)).toEqual({ problems: [], stale: [], served: ['contact'] });
  });

  it('sees a save by an editor that writes a new file and renames it over the old one', async () => {
    // Prepare
    const { dir, registry } = live({ 'contact.yaml': form('first_name') });

    // Act
    writeFileSync(join(dir, '.contact.yaml.tmp'), form('given_name'));
    renameSync(join(dir, '.contact.yaml.tmp'), join(dir, 'contact.yaml'));

    // Assess
    await eventually(() => firstNameOf(registry, 'contact') === 'given_name', 5000, 'the renamed file');
  });

  it('keeps the last valid version of a broken file, lists its problems, and applies the fix', async () => {
    // Prepare
    const { dir, registry, changes } = live({
      'contact.yaml': form('first_name'),
      'other.yaml': form('first_name'),
    });

    // Act: contact breaks while other changes validly
    writeFileSync(join(dir, 'contact.yaml'), broken);
    writeFileSync(join(dir, 'other.yaml'), form('given_name'));
    await eventually(() => registry.state().problems.length > 0, 5000, 'the refusal');
    await eventually(() => firstNameOf(registry, 'other') === 'given_name', 5000, 'the other edit');

    // Assess: the broken source answers with its last valid config; its problem names file and line
    expect(firstNameOf(registry, 'contact')).toBe('first_name');
    expect(registry.state().stale).toEqual(['contact']);
    expect(registry.problemsOf('contact')).toEqual([
      expect.objectContaining({
        path: 'lead.Email[0].type',
        line: 7,
        file: expect.stringMatching(/contact\.yaml$/),
      }),
    ]);
    expect(registry.problemsOf('other')).toEqual([]);

    // Act: the fix
    writeFileSync(join(dir, 'contact.yaml'), form('given_name'));

    // Assess
    await eventually(() => registry.state().problems.length === 0, 5000, 'the fix');
    expect(firstNameOf(registry, 'contact')).toBe('given_name');
    expect(changes.at(-1)).toEqual({ problems: [], stale: [], served: ['contact', 'other'] });
  });

  it('does not serve a new file until it validates', async () => {
    // Prepare
    const { dir, registry } = live({ 'contact.yaml': form('first_name') });

    // Act
    writeFileSync(join(dir, 'spring.yaml'), broken);
    await eventually(() => registry.problemsOf('spring').length > 0, 5000, 'the refusal');

    // Assess
    expect(registry.get('spring')).toBeUndefined();
    expect(registry.state()).toMatchObject({ stale: [], served: ['contact'] });
  });

  it('falls back to polling when the folder cannot be watched', async () => {
    // Prepare
    const { dir, registry } = live(
      { 'contact.yaml': form('first_name') },
      {
        pollMs: 50,
        watchFolder: () => {
          throw Object.assign(new Error('watch not supported'), { code: 'ENOSYS' });
        },
      },
    );

    // Act
    writeFileSync(join(dir, 'contact.yaml'), form('given_name'));

    // Assess
    expect(registry.mode()).toBe('poll');
    await eventually(() => firstNameOf(registry, 'contact') === 'given_name', 5000, 'the polled edit');
  });

  it('keeps serving everything when the folder disappears', async () => {
    // Prepare
    const { dir, registry } = live({ 'contact.yaml': form('first_name') });

    // Act
    rmSync(dir, { recursive: true, force: true });
    registry.reload();

    // Assess
    expect(firstNameOf(registry, 'contact')).toBe('first_name');
    expect(registry.state().problems).toEqual([expect.objectContaining({ message: 'folder not found' })]);
    expect(registry.mode()).toBe('poll');
  });
});

describe('reporting a reload', () => {
  const refused: SourceState = {
    problems: [
      {
        file: 'sources/spring.yaml',
        line: 12,
        path: 'lead.Email[0].type',
        message: 'invalid option "office"',
      },
      { file: 'sources/spring.yaml', line: 14, path: 'lead', message: 'unknown key "FristName"' },
    ],
    stale: ['spring'],
    served: ['demo-contact', 'spring'],
  };

  it('prints one readable line per problem for a person at the terminal', () => {
    // Prepare
    const lines: string[] = [];

    // Act
    sourceReporter('text', (line) => lines.push(line))(refused);

    // Assess
    expect(lines).toEqual([
      '✘ source change not applied: 2 problems in 1 file; spring keeps the last version that validated until fixed',
      '  sources/spring.yaml:12 lead.Email[0].type: invalid option "office"',
      '  sources/spring.yaml:14 lead: unknown key "FristName"',
    ]);
  });

  it('says when every file validates again', () => {
    // Act
    const lines = sourceStateLines({ problems: [], stale: [], served: ['demo-contact', 'spring'] });

    // Assess
    expect(lines).toEqual(['✔ sources reloaded: demo-contact, spring']);
  });
});
