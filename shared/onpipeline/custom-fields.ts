import type { OnpipelineClient } from '#shared/onpipeline/client.ts';
import { type CustomField, customFieldTables } from '#shared/onpipeline/fields.ts';

/**
 * Resolves custom-field NAMES (as marketing ops write them in `name:` entries) to the numeric IDs
 * Leadsin needs, through `ListCustomFields` for Persons, Organizations and Deals. The lists are
 * fetched once and cached (default 10 minutes); names compare case-insensitively, and when two tables
 * have the same name, Persons wins over Organizations over Deals.
 *
 * @example
 * const names = customFieldNames(client);
 * const id = (await names.lookup())('Lead source'); // '1411084437'
 */
export interface CustomFieldNames {
  /** A synchronous `name → id` lookup over the current (cached) lists. */
  lookup(): Promise<(name: string) => string | undefined>;
}

export function customFieldNames(
  client: Pick<OnpipelineClient, 'listCustomFields'>,
  cacheMs = 10 * 60 * 1000,
): CustomFieldNames {
  let cached: { at: number; lookup: (name: string) => string | undefined } | undefined;
  let pending: Promise<(name: string) => string | undefined> | undefined;
  return {
    async lookup() {
      if (cached && Date.now() - cached.at < cacheMs) return cached.lookup;
      pending ??= (async () => {
        try {
          const tables = await Promise.all(customFieldTables.map((table) => client.listCustomFields(table)));
          const lookup = nameLookup(tables.flat());
          cached = { at: Date.now(), lookup };
          return lookup;
        } finally {
          pending = undefined;
        }
      })();
      return pending;
    },
  };
}

/** A case-insensitive `name → id` lookup over a list of custom fields; the first of a name wins. */
export function nameLookup(fields: readonly CustomField[]): (name: string) => string | undefined {
  const byName = new Map<string, string>();
  for (const field of fields) {
    const key = field.Name.trim().toLowerCase();
    if (!byName.has(key)) byName.set(key, field.ID);
  }
  return (name) => byName.get(name.trim().toLowerCase());
}
