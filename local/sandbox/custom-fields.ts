import type { CustomField, CustomFieldTable } from '#shared/onpipeline/schema.ts';
import { customFieldTables } from '#shared/onpipeline/schema.ts';

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

/** The `Table` values `FieldAdd` takes, as the reference spells them (lower case). */
export const fieldAddTables: Readonly<Record<string, CustomFieldTable>> = {
  persons: 'Persons',
  organizations: 'Organizations',
  deals: 'Deals',
};

export type FieldChange<T> = { ok: true } & T;
export type FieldRefusal = { ok: false; status: 404 | 406 | 409; message: string };

/**
 * The sandbox's custom fields, per table, changed by `FieldAdd` and `FieldDelete` as the reference
 * describes them: `FieldAdd { Table: persons|organizations|deals, Name }` creates a text field (the
 * only kind the API creates) with a fresh numeric ID; `FieldDelete { ID }` deletes one. `Leadsin`
 * accepts an `Extra` ID of any table.
 */
export class CustomFieldStore {
  readonly #tables: Record<CustomFieldTable, CustomField[]>;
  readonly #ids = new Set<string>();
  #nextId = 1n;

  constructor(tables: Record<CustomFieldTable, CustomField[]>) {
    this.#tables = tables;
    for (const table of customFieldTables) for (const field of tables[table]) this.#remember(field.ID);
  }

  /** The fields of one table as `ListCustomFields` answers them. */
  list(table: CustomFieldTable): CustomField[] {
    return this.#tables[table].map(({ Name, ID }) => ({ Name, ID }));
  }

  /** Whether a custom field with this ID exists in any table. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** `FieldAdd`: the body is a parsed JSON object. */
  add(
    input: Record<string, unknown>,
  ): FieldChange<{ table: CustomFieldTable; field: CustomField }> | FieldRefusal {
    const tableNames = Object.keys(fieldAddTables).join(', ');
    const table = typeof input.Table === 'string' ? fieldAddTables[input.Table] : undefined;
    if (table === undefined || !Object.hasOwn(fieldAddTables, String(input.Table))) {
      return { ok: false, status: 406, message: `Table must be one of ${tableNames}` };
    }
    const name = typeof input.Name === 'string' ? input.Name.trim() : '';
    if (name === '') return { ok: false, status: 406, message: 'Name is required' };
    if (input.Type !== undefined && String(input.Type).toLowerCase() !== 'text') {
      return { ok: false, status: 406, message: 'The API creates only text fields' };
    }
    const key = name.toLowerCase();
    if (this.#tables[table].some((field) => field.Name.trim().toLowerCase() === key)) {
      return { ok: false, status: 409, message: `Duplicate: ${table} already has a field named ${name}` };
    }
    const field = { Name: name, ID: String(this.#nextId) };
    this.#remember(field.ID);
    this.#tables[table].push(field);
    return { ok: true, table, field: { ...field } };
  }

  /** `FieldDelete`: the body is a parsed JSON object. */
  delete(input: Record<string, unknown>): FieldChange<{ id: string }> | FieldRefusal {
    const raw = input.ID;
    const id =
      typeof raw === 'string'
        ? raw.trim()
        : typeof raw === 'number' && Number.isSafeInteger(raw)
          ? String(raw)
          : '';
    if (!/^\d+$/.test(id)) return { ok: false, status: 406, message: 'ID must be the numeric ID of a field' };
    for (const table of customFieldTables) {
      const index = this.#tables[table].findIndex((field) => field.ID === id);
      if (index < 0) continue;
      this.#tables[table].splice(index, 1);
      this.#ids.delete(id);
      return { ok: true, id };
    }
    return { ok: false, status: 404, message: `Custom field ${id} not found` };
  }

  #remember(id: string): void {
    this.#ids.add(id);
    if (/^\d+$/.test(id) && BigInt(id) >= this.#nextId) this.#nextId = BigInt(id) + 1n;
  }
}
