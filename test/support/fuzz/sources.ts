/** The fuzz fixture: the secrets and ids of one source per channel, and those sources' files. */

export const fuzzSecrets = {
  META_APP_SECRET: 'fz-meta-app-secret',
  META_VERIFY_TOKEN: 'fz-meta-verify-token',
  LINKEDIN_CLIENT_SECRET: 'fz-linkedin-client-secret',
  TIKTOK_APP_SECRET: 'fz-tiktok-app-secret',
  FZ_PARTNER_KEY: 'fz-partner-api-key-0123456789',
  FZ_PARTNER_SIGNING: `whsec_${Buffer.from('fz-partner-signing-secret-bytes!').toString('base64')}`,
  FZ_GOOGLE_KEY: 'fz-google-key',
  FZ_PAGE_TOKEN: 'fz-page-token',
} as const;

export const fuzzIds = {
  page: '104345678901234',
  form: '1234567890123456789',
  advertiser: '7000000000000000001',
  linkedinForm: '6955637458260688897',
} as const;

/** The allowed origin of the strict form source. */
export const FORM_ORIGIN = 'https://www.example.test';

/** One source per channel (two forms: a strict one with redirects and honeypot, an open one). */
export const fuzzSourceFiles: Record<string, string> = {
  'fz-form': `channel: form
form:
  allowedOrigins: ["${FORM_ORIGIN}", "http://localhost:*"]
  redirect: { success: "${FORM_ORIGIN}/thanks", failure: "/contact?error=1" }
  honeypot: _gotcha
lead:
  FirstName: { from: [first_name, name], part: first, transform: title }
  LastName: { from: [last_name, name], part: last, default: "-" }
  OrgName: { template: "{{company}} ({{$utm.campaign}})" }
  Postcode: { from: zip, transform: [trim, upper] }
  Country: { from: country, map: { Spain: ES, España: ES }, default: ES }
  Email:
    - { from: email, type: work, transform: [trim, lower] }
  Phone:
    - { from: phone, type: mobile, transform: digits }
  Extra:
    - { id: "1411084437", from: $utm.campaign }
    - { id: "1411084440", from: interests }
    - { name: Lead source, value: Website }
`,
  'fz-form-open': `channel: form
form:
  allowedOrigins: ["*"]
lead:
  FirstName: { from: first_name, default: Anonymous }
  LastName: { from: [last_name, surname], default: "-" }
  City: { from: city, transform: collapse }
  Country: { from: country, transform: upper, default: ES }
  Email:
    - { from: email }
`,
  'fz-partner': `channel: partner
partner: { apiKeys: [FZ_PARTNER_KEY], signingSecrets: [FZ_PARTNER_SIGNING], leadIdField: ref, maxBatch: 5 }
lead:
  FirstName: { from: first_name, default: "-" }
  LastName: last_name
  Email:
    - { from: email }
`,
  'fz-google': `channel: google-ads
googleAds: { key: FZ_GOOGLE_KEY }
lead:
  FirstName: { from: FULL_NAME, part: first, default: "-" }
  LastName: { from: FULL_NAME, part: last, default: "-" }
  Email:
    - { from: EMAIL }
`,
  'fz-meta': `channel: meta
meta: { pageId: "${fuzzIds.page}", pageToken: FZ_PAGE_TOKEN }
lead:
  FirstName: { from: first_name, default: "-" }
  LastName: { from: last_name, default: "-" }
`,
  'fz-linkedin': `channel: linkedin
linkedin: { formIds: ["${fuzzIds.linkedinForm}"] }
lead:
  FirstName: { from: firstName, default: "-" }
  LastName: { from: lastName, default: "-" }
`,
  'fz-tiktok': `channel: tiktok
tiktok: { advertiserId: "${fuzzIds.advertiser}" }
lead:
  FirstName: { from: name, part: first, default: "-" }
  LastName: { from: name, part: last, default: "-" }
`,
};
