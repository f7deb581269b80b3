/**
 * The names and closed lists of Onpipeline's API (phone and e-mail types, the text fields of a
 * `Leadsin` body, the custom field tables), without the zod schemas of `#shared/onpipeline/schema.ts`
 * (which re-exports them), so the functions can use them without loading zod
 * (docs/architecture.md, "Cold start").
 */
export const phoneTypes = ['work', 'home', 'mobile', 'other'] as const;
export const emailTypes = ['work', 'home', 'other'] as const;
export type PhoneType = (typeof phoneTypes)[number];
export type EmailType = (typeof emailTypes)[number];

/** The scalar (single string) fields of a `Leadsin` body, in the reference's order. */
export const leadsinTextFields = [
  'FirstName',
  'LastName',
  'OrgName',
  'AddressLine1',
  'AddressLine2',
  'Postcode',
  'City',
  'Region',
  'Country',
] as const;
export type LeadsinTextField = (typeof leadsinTextFields)[number];

export const customFieldTables = ['Persons', 'Organizations', 'Deals'] as const;
export type CustomFieldTable = (typeof customFieldTables)[number];
export type CustomField = { Name: string; ID: string };
