import { z } from 'zod';
import { isPhoneCountry } from '#shared/mapping/phone-rules.ts';
import { emailTypes, phoneTypes } from '#shared/onpipeline/schema.ts';
import { type Channel, channels } from '#shared/sources/channels.ts';

/**
 * The lead source config (`sources/<sourceId>.yaml`): which channel a source posts through, how it
 * is authenticated and how its input maps onto Onpipeline's `Leadsin` body. Secrets are referenced
 * by NAME only (`ONPIPELINE_TOKEN`, `ACME_PARTNER_KEY`), never by value.
 */

export { type Channel, channels };

export const transforms = ['trim', 'lower', 'upper', 'title', 'digits', 'collapse', 'e164'] as const;
export type Transform = (typeof transforms)[number];

/** A source id is its file name: lower-case letters, digits and dashes. */
export const sourceIdPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `$utm.campaign`, `$click.gclid`, `$first.utm.campaign`, `$ip`, `$google.campaign_id`... */
const fieldRef = z
  .string()
  .trim()
  .min(1, 'a field name must not be empty')
  .max(200)
  .refine((name) => !name.startsWith('$') || /^\$[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+){0,2}$/.test(name), {
    message:
      'context values look like $utm.campaign, $first.utm.campaign, $click.gclid, $referer, $ip, $google.campaign_id',
  });

const secretName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*$/, 'secret names are UPPER_SNAKE_CASE names, never the secret value itself');

const plainExpressionShape = {
  from: z.union([fieldRef, z.array(fieldRef).min(1)]).optional(),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
  template: z.string().min(1).optional(),
  part: z.enum(['first', 'last']).optional(),
  transform: z.union([z.enum(transforms), z.array(z.enum(transforms))]).optional(),
  map: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
};

const countryHint = 'use a two-letter ISO country code such as GB, ES, US, DE';
/** A constant country for `e164` (`GB`); any case in the file, upper case after parsing. */
const countryCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isPhoneCountry, {
    error: (issue) => `"${String(issue.input)}" is not a country code: ${countryHint}`,
  });

/**
 * `defaultCountry` of the `e164` transform: the country national numbers (`020 7946 0958`) belong
 * to. A constant code (`GB`), or a value expression read per lead (`{ from: country, default: GB }`).
 * docs/sources.md ("Phone numbers") has the rule.
 */
export const defaultCountrySchema = z
  .union([countryCode, z.strictObject(plainExpressionShape).superRefine(checkExpression)])
  .meta({
    id: 'defaultCountry',
    description:
      'Country of national phone numbers for the e164 transform: a code (GB) or { from: country, default: GB }.',
  });

const expressionShape = { ...plainExpressionShape, defaultCountry: defaultCountrySchema.optional() };

type ExpressionFields = { [K in keyof typeof plainExpressionShape | 'defaultCountry']?: unknown };

/** The problem of an expression with none of from, value, template, default. */
export const missingValueSource = 'say where the value comes from: from, value, template or default';

function checkExpression(expr: ExpressionFields, ctx: z.RefinementCtx): void {
  const sources = (['from', 'value', 'template'] as const).filter((key) => expr[key] !== undefined);
  if (sources.length === 0 && expr.default === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: missingValueSource,
    });
  }
  if (sources.length > 1) {
    ctx.addIssue({
      code: 'custom',
      message: `use only one of from, value, template (found ${sources.join(', ')})`,
    });
  }
  if (expr.defaultCountry !== undefined) {
    const steps = Array.isArray(expr.transform) ? expr.transform : [expr.transform];
    if (!steps.includes('e164')) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultCountry'],
        message: 'defaultCountry is the country of the e164 transform: add transform: e164',
      });
    }
  }
  if (expr.part !== undefined && expr.from === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['part'],
      message: 'part (first|last) splits a full name: it needs from',
    });
  }
}

/**
 * A value expression in its long form. Exactly one of `from`, `value` or `template` says where the
 * value comes from; `part`, `transform`, `map` and `default` refine it, in that order.
 */
export const valueExpressionObjectSchema = z.strictObject(expressionShape).superRefine(checkExpression);

/** A value expression: a field name (shorthand for `{ from: name }`) or the long form. */
export const valueExpressionSchema = z.union([fieldRef, valueExpressionObjectSchema]);
export type ValueExpressionObject = z.infer<typeof valueExpressionObjectSchema>;
export type ValueExpression = z.infer<typeof valueExpressionSchema>;

export const emailMappingSchema = z
  .strictObject({ ...expressionShape, type: z.enum(emailTypes).default('work') })
  .superRefine(checkExpression);
export const phoneMappingSchema = z
  .strictObject({ ...expressionShape, type: z.enum(phoneTypes).default('mobile') })
  .superRefine(checkExpression);
export const extraMappingSchema = z
  .strictObject({
    ...expressionShape,
    id: z
      .union([
        z.string().regex(/^\d+$/, 'custom field IDs are digits'),
        z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      ])
      .transform(String)
      .optional(),
    name: z.string().min(1).optional(),
  })
  .superRefine((item, ctx) => {
    checkExpression(item, ctx);
    if ((item.id === undefined) === (item.name === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a custom field needs exactly one of id or name' });
    }
  });

export const leadMappingSchema = z.strictObject({
  FirstName: valueExpressionSchema,
  LastName: valueExpressionSchema,
  OrgName: valueExpressionSchema.optional(),
  AddressLine1: valueExpressionSchema.optional(),
  AddressLine2: valueExpressionSchema.optional(),
  Postcode: valueExpressionSchema.optional(),
  City: valueExpressionSchema.optional(),
  Region: valueExpressionSchema.optional(),
  Country: valueExpressionSchema.optional(),
  Email: z.array(emailMappingSchema).optional(),
  Phone: z.array(phoneMappingSchema).optional(),
  Extra: z.array(extraMappingSchema).optional(),
});
export type LeadMapping = z.infer<typeof leadMappingSchema>;
export type EmailMapping = z.infer<typeof emailMappingSchema>;
export type PhoneMapping = z.infer<typeof phoneMappingSchema>;
export type ExtraMapping = z.infer<typeof extraMappingSchema>;

/** An origin such as `https://www.example.com`; `*` stands for one DNS label or a port (`http://localhost:*`). */
const originPattern = z
  .string()
  .regex(
    /^(\*|https?:\/\/[A-Za-z0-9.*-]+(:(\d+|\*))?)$/,
    'an origin is scheme://host[:port] with no path, or *',
  );

/** The only hosts a plain `http://` redirect may go to: this machine (the one-machine demo pages). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether a form's thank-you or error page is a safe redirect target (docs/sources.md, "Redirects"):
 * an `https://` URL with a host, a path on the gateway's own host starting with a single `/`, or
 * `http://` to a loopback host only. Never `//host` or `/\host` (browsers read both as another
 * host), no backslash, space or control character anywhere, no other scheme.
 *
 * @example
 * isSafeRedirectTarget('https://www.example.com/thanks'); // true
 * isSafeRedirectTarget('//evil.example/'); // false
 */
export function isSafeRedirectTarget(url: string): boolean {
  if (url.includes('\\') || [...url].some((char) => char <= ' ' || char === '\u007f')) return false;
  if (url.startsWith('/')) return !url.startsWith('//');
  // the authority written out: a host name (letters, digits, dots, hyphens; IDNs as punycode) or a
  // bracketed IPv6 literal, an optional port, no user info
  const match = /^(https?):\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?=[/?#]|$)/.exec(url);
  if (!match) return false;
  try {
    new URL(url);
  } catch {
    return false;
  }
  return match[1] === 'https' || LOOPBACK_HOSTS.has((match[2] ?? '').toLowerCase());
}

const redirectUrl = z
  .string()
  .refine(
    isSafeRedirectTarget,
    'use an https:// URL or a path starting with a single / (plain http:// only for 127.0.0.1, localhost or [::1])',
  )
  .meta({
    description:
      'An https:// URL, or a path starting with a single / ; plain http:// only for 127.0.0.1, localhost or [::1].',
  });

/** CAPTCHA vendors a form can verify with (docs/sources.md, "CAPTCHA"). */
export const captchaProviders = ['turnstile', 'hcaptcha', 'recaptcha'] as const;
export type CaptchaProvider = (typeof captchaProviders)[number];

/** `form.captcha`: server-side verification of the widget's token before the lead is queued. */
export const captchaSettingsSchema = z
  .strictObject({
    provider: z.enum(captchaProviders).meta({ description: 'turnstile, hcaptcha or recaptcha' }),
    secret: secretName.meta({
      description: "Name of the gateway secret holding the provider's secret key (never the key itself).",
    }),
    minScore: z.number().min(0).max(1).default(0.5).meta({
      description: 'reCAPTCHA v3: lowest score accepted (0.0 bot … 1.0 human); default 0.5.',
    }),
    action: z
      .string()
      .regex(/^[A-Za-z0-9_/]{1,100}$/, 'an action is letters, digits, _ and / (as the widget sets it)')
      .optional()
      .meta({ description: 'Expected action (reCAPTCHA v3, Turnstile data-action); others are refused.' }),
    onUnavailable: z.enum(['accept', 'reject']).default('accept').meta({
      description:
        'When the provider cannot be reached: accept the lead marked $captcha=unverified (default), or reject with 503.',
    }),
  })
  .refine((captcha) => captcha.action === undefined || captcha.provider !== 'hcaptcha', {
    path: ['action'],
    message: "hCaptcha's answer carries no action: remove action (it is for recaptcha and turnstile)",
  })
  .meta({ id: 'captcha' });
export type CaptchaSettings = z.infer<typeof captchaSettingsSchema>;

export const formSettingsSchema = z.strictObject({
  allowedOrigins: z.array(originPattern).min(1),
  redirect: z.strictObject({ success: redirectUrl.optional(), failure: redirectUrl.optional() }).optional(),
  honeypot: z.string().min(1).optional(),
  captcha: captchaSettingsSchema.optional(),
});

export const partnerSettingsSchema = z
  .strictObject({
    apiKeys: z
      .array(secretName)
      .optional()
      .meta({ description: 'Names of the secrets holding valid X-Api-Key values (several for rotation).' }),
    signingSecrets: z.array(secretName).optional().meta({
      description: 'Names of the Standard Webhooks signing secrets (whsec_...); several for rotation.',
    }),
    leadIdField: z.string().min(1).optional().meta({
      description: "The partner's own lead id field: resubmissions of that id are not delivered twice.",
    }),
    maxBatch: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .meta({ description: 'Most leads in one request (an array); default 100.' }),
  })
  .refine((partner) => (partner.apiKeys?.length ?? 0) + (partner.signingSecrets?.length ?? 0) > 0, {
    message: 'a partner needs apiKeys or signingSecrets (secret names) to authenticate its requests',
  });

export const sourceConfigSchema = z
  .strictObject({
    channel: z.enum(channels),
    description: z.string().optional(),
    form: formSettingsSchema.optional(),
    partner: partnerSettingsSchema.optional(),
    googleAds: z
      .strictObject({ key: secretName, testLeads: z.enum(['deliver', 'drop']).default('deliver') })
      .optional()
      .meta({
        description: 'key: the secret NAME of the google_key; testLeads: deliver (marked test) or drop',
      }),
    meta: z
      .strictObject({
        pageId: z
          .string({
            error: (issue) => (issue.input === undefined ? 'required' : 'quote the id: "104345678901234"'),
          })
          .regex(/^\d{1,30}$/, 'the Facebook page id is digits, in quotes: "104345678901234"')
          .meta({ description: 'The Facebook page whose lead forms this source takes (digits, in quotes).' }),
        formIds: z
          .array(
            z
              .string({ error: 'quote each form id: "1234567890123456789"' })
              .regex(/^\d{1,30}$/, 'a Meta lead form id is digits, in quotes: "1234567890123456789"'),
          )
          .default([])
          .meta({ description: 'Only these lead forms of the page; empty: every form of the page.' }),
        pageToken: secretName.meta({
          description: 'Name of the secret holding the page access token (leads_retrieval).',
        }),
      })
      .optional(),
    linkedin: z
      .strictObject({
        formIds: z
          .array(
            z
              .string({ error: 'quote each form id: "6955637458260688897"' })
              .regex(/^\d{1,30}$/, 'a LinkedIn form id is digits, in quotes: "6955637458260688897"'),
          )
          .default([])
          .meta({ description: 'Only leads of these lead gen forms; empty: leads of every form.' }),
      })
      .optional(),
    tiktok: z
      .strictObject({
        advertiserId: z
          .string({
            error: (issue) =>
              issue.input === undefined ? 'required' : 'quote the id: "7000000000000000001"',
          })
          .regex(/^\d{1,30}$/, 'the TikTok advertiser id is digits, in quotes: "7000000000000000001"'),
      })
      .optional(),
    lead: leadMappingSchema,
  })
  .superRefine((config, ctx) => {
    const section = {
      form: 'form',
      partner: 'partner',
      'google-ads': 'googleAds',
      meta: 'meta',
      linkedin: 'linkedin',
      tiktok: 'tiktok',
    }[config.channel] as keyof typeof config;
    if (config.channel === 'form' && config.form === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['form'],
        message: 'a form source needs a form: section (allowedOrigins at least)',
      });
    }
    const needs: Partial<Record<Channel, string>> = {
      partner: 'apiKeys or signingSecrets',
      'google-ads': 'key',
      meta: 'pageId and pageToken',
      tiktok: 'advertiserId',
    };
    const needed = needs[config.channel];
    if (needed && config[section] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [section],
        message: `a ${config.channel} source needs a ${section}: section (${needed})`,
      });
    }
    for (const other of ['form', 'partner', 'googleAds', 'meta', 'linkedin', 'tiktok'] as const) {
      if (other !== section && config[other] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [other],
          message: `a ${config.channel} source has no ${other}: section`,
        });
      }
    }
  });

export type SourceConfig = z.infer<typeof sourceConfigSchema>;
/** A loaded source: its config plus the id taken from its file name. */
export type Source = SourceConfig & { id: string; file: string };
