import { describe, expect, it } from 'vitest';
import {
  cacheNamesById,
  customFieldsCacheText,
  unknownCustomFieldNames,
} from '#shared/preview/custom-fields-cache.ts';
import { parseSource } from '#shared/sources/loader.ts';

const tables = (persons: { Name: string; ID: string }[], deals: { Name: string; ID: string }[] = []) => ({
  Persons: persons,
  Organizations: [],
  Deals: deals,
});

describe('the custom-field cache', () => {
  it('writes fields of the same name in ID order, so a pull of unchanged fields is no diff', () => {
    // Act
    const one = customFieldsCacheText(
      tables([
        { Name: 'Budget', ID: '2' },
        { Name: 'Budget', ID: '1' },
      ]),
    );
    const other = customFieldsCacheText(
      tables([
        { Name: 'Budget', ID: '1' },
        { Name: 'Budget', ID: '2' },
      ]),
    );

    // Assess
    expect(one).toBe(other);
    expect(JSON.parse(one).tables.Persons).toEqual([
      { Name: 'Budget', ID: '1' },
      { Name: 'Budget', ID: '2' },
    ]);
  });

  it('names an ID by its first table, Persons before Deals', () => {
    // Act
    const names = cacheNamesById({
      tables: tables([{ Name: 'Source', ID: '7' }], [{ Name: 'Deal source', ID: '7' }]),
    });

    // Assess
    expect(names.get('7')).toBe('Source');
  });

  it('reports an unknown name without a line when the source file cannot be read, and skips sources without Extra', () => {
    // Prepare: sources parsed from text, whose files do not exist
    const parsed = [
      parseSource(
        'named',
        'channel: partner\npartner: { apiKeys: [K] }\nlead:\n  FirstName: a\n  LastName: b\n  Extra:\n    - { name: Budgett, value: x }\n',
      ),
      parseSource(
        'plain',
        'channel: partner\npartner: { apiKeys: [K] }\nlead:\n  FirstName: a\n  LastName: b\n',
      ),
    ];
    const sources = parsed.flatMap((result) => (result.ok ? [result.source] : []));

    // Act
    const problems = unknownCustomFieldNames(sources, { tables: tables([{ Name: 'Budget', ID: '1' }]) });

    // Assess
    expect(sources).toHaveLength(2);
    expect(problems).toEqual([
      {
        file: 'named.yaml',
        path: 'lead.Extra[0].name',
        message: expect.stringContaining('did you mean "Budget"?'),
      },
    ]);
  });
});
