import type { CustomField, CustomFieldTable } from '#shared/leadsin/schema.ts';
import { customFieldTables } from '#shared/leadsin/schema.ts';

/**
 * The custom fields the sandbox knows when none are given, per table. `Role` (ID `1111111`) is the
 * ID the Onpipeline reference's own `Leadsin` example sends in `Extra`, so that example gets a 201.
 */
export const defaultCustomFields: Record<CustomFieldTable, CustomField[]> = {
  Persons: [
    { Name: 'Lead source', ID: '1411084437' },
    { Name: 'UTM campaign', ID: '1411084438' },
    { Name: 'UTM source', ID: '1411084439' },
    { Name: 'Interests', ID: '1411084440' },
    { Name: 'Message', ID: '1411084441' },
    { Name: 'GCLID', ID: '1411084442' },
    { Name: 'Job title', ID: '1411084443' },
    { Name: 'Role', ID: '1111111' },
  ],
  Organizations: [{ Name: 'Company size', ID: '2411084401' }],
  Deals: [{ Name: 'Budget', ID: '3411084401' }],
};

/**
 * Completes a partial set of custom fields: every table not given keeps the default set.
 * Pass an empty array for a table to have no custom fields there.
 */
export function resolveCustomFields(
  given: Partial<Record<CustomFieldTable, CustomField[]>> = {},
): Record<CustomFieldTable, CustomField[]> {
  const resolved = {} as Record<CustomFieldTable, CustomField[]>;
  for (const table of customFieldTables) {
    resolved[table] = (given[table] ?? defaultCustomFields[table]).map((field) => ({ ...field }));
  }
  return resolved;
}

/** Every custom field ID across all tables: `Leadsin` accepts an `Extra` ID from any of them. */
export function customFieldIds(fields: Record<CustomFieldTable, CustomField[]>): Set<string> {
  return new Set(customFieldTables.flatMap((table) => fields[table].map((field) => field.ID)));
}
