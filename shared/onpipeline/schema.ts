import { z } from 'zod';

/**
 * The body of Onpipeline's `Leadsin` resource, exactly as the REST API reference defines it.
 * `FirstName` and `LastName` are mandatory; phone and e-mail types are closed enums; custom fields
 * travel in `Extra` as `{ ID, Value }` pairs, keyed by the custom field's numeric ID.
 *
 * @example
 * const body = leadsinBodySchema.parse({ FirstName: 'Mike', LastName: 'Smith' });
 */
export const phoneTypes = ['work', 'home', 'mobile', 'other'] as const;
export const emailTypes = ['work', 'home', 'other'] as const;

const text = z.string().trim().min(1, 'must not be empty');

export const leadsinPhoneSchema = z.strictObject({
  Number: text,
  Type: z.enum(phoneTypes),
});

export const leadsinEmailSchema = z.strictObject({
  Address: text,
  Type: z.enum(emailTypes),
});

export const leadsinExtraSchema = z.strictObject({
  ID: z.string().regex(/^\d+$/, 'custom field IDs are numeric strings'),
  Value: z.string(),
});

export const leadsinBodySchema = z.strictObject({
  FirstName: text,
  LastName: text,
  Phone: z.array(leadsinPhoneSchema).optional(),
  Email: z.array(leadsinEmailSchema).optional(),
  OrgName: z.string().optional(),
  AddressLine1: z.string().optional(),
  AddressLine2: z.string().optional(),
  Postcode: z.string().optional(),
  City: z.string().optional(),
  Region: z.string().optional(),
  Country: z.string().optional(),
  Extra: z.array(leadsinExtraSchema).optional(),
});

export type LeadsinBody = z.infer<typeof leadsinBodySchema>;
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

/** Onpipeline's success answer: `201 {"Header": {...}, "Data": {"LeadID": "..."}}`. */
export const leadsinCreatedSchema = z.object({
  Header: z.object({
    Status: z.string(),
    Code: z.string(),
    Time: z.string().optional(),
    Endpoint: z.string(),
  }),
  Data: z.object({ LeadID: z.string() }),
});

/** Onpipeline's only error shape: `{"Error": {"Code", "Message", "Time", "IP"}}`. */
export const onpipelineErrorSchema = z.object({
  Error: z.object({
    Code: z.string(),
    Message: z.string(),
    Time: z.string().optional(),
    IP: z.string().optional(),
  }),
});

export const customFieldTables = ['Persons', 'Organizations', 'Deals'] as const;
export type CustomFieldTable = (typeof customFieldTables)[number];

/** `POST /ListCustomFields` answer: `Data: [{ Name, ID }]`. */
export const listCustomFieldsAnswerSchema = z.object({
  Header: z.object({ Code: z.string() }).passthrough().optional(),
  Data: z.array(z.object({ Name: z.string(), ID: z.string() })),
});
export type CustomField = { Name: string; ID: string };
