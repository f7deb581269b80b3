/**
 * The body of Onpipeline's `Leadsin` resource, exactly as the REST API reference defines it.
 * `FirstName` and `LastName` are mandatory; phone and e-mail types are closed enums; custom fields
 * travel in `Extra` as `{ ID, Value }` pairs, keyed by the custom field's numeric ID.
 *
 * @example
 * const body = leadsinBodySchema.parse({ FirstName: 'Mike', LastName: 'Smith' });
 */
import { emailTypes, phoneTypes } from '#shared/onpipeline/fields.ts';
import { z } from '#shared/zod-mini.ts';

export {
  type CustomField,
  type CustomFieldTable,
  customFieldTables,
  type EmailType,
  emailTypes,
  type LeadsinTextField,
  leadsinTextFields,
  type PhoneType,
  phoneTypes,
} from '#shared/onpipeline/fields.ts';

const text = z.string().check(z.trim(), z.minLength(1, 'must not be empty'));

export const leadsinPhoneSchema = z.strictObject({
  Number: text,
  Type: z.enum(phoneTypes),
});

export const leadsinEmailSchema = z.strictObject({
  Address: text,
  Type: z.enum(emailTypes),
});

export const leadsinExtraSchema = z.strictObject({
  ID: z.string().check(z.regex(/^\d+$/, 'custom field IDs are numeric strings')),
  Value: z.string(),
});

export const leadsinBodySchema = z.strictObject({
  FirstName: text,
  LastName: text,
  Phone: z.optional(z.array(leadsinPhoneSchema)),
  Email: z.optional(z.array(leadsinEmailSchema)),
  OrgName: z.optional(z.string()),
  AddressLine1: z.optional(z.string()),
  AddressLine2: z.optional(z.string()),
  Postcode: z.optional(z.string()),
  City: z.optional(z.string()),
  Region: z.optional(z.string()),
  Country: z.optional(z.string()),
  Extra: z.optional(z.array(leadsinExtraSchema)),
});

export type LeadsinBody = z.infer<typeof leadsinBodySchema>;

/** Onpipeline's success answer: `201 {"Header": {...}, "Data": {"LeadID": "..."}}`. */
export const leadsinCreatedSchema = z.object({
  Header: z.object({
    Status: z.string(),
    Code: z.string(),
    Time: z.optional(z.string()),
    Endpoint: z.string(),
  }),
  Data: z.object({ LeadID: z.string() }),
});

/** Onpipeline's only error shape: `{"Error": {"Code", "Message", "Time", "IP"}}`. */
export const onpipelineErrorSchema = z.object({
  Error: z.object({
    Code: z.string(),
    Message: z.string(),
    Time: z.optional(z.string()),
    IP: z.optional(z.string()),
  }),
});

/** `POST /ListCustomFields` answer: `Data: [{ Name, ID }]`. */
export const listCustomFieldsAnswerSchema = z.object({
  Header: z.optional(z.looseObject({ Code: z.string() })),
  Data: z.array(z.object({ Name: z.string(), ID: z.string() })),
});
