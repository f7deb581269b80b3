/**
 * The channels a source can post through, without the config schema (so the functions can name them
 * without loading zod's classic API; `#shared/sources/schema.ts` re-exports them).
 */
export const channels = ['form', 'partner', 'google-ads', 'meta', 'linkedin', 'tiktok'] as const;
export type Channel = (typeof channels)[number];
