/** Limits on what a sender may post. Documented in docs/sources.md ("Limits"). */
export const limits = {
  /** Largest accepted request body (the SQS message limit is 256 KiB too). */
  maxBodyBytes: 256 * 1024,
  /** Most fields one lead may carry. */
  maxFields: 500,
  /** Longest field name. */
  maxFieldNameLength: 256,
  /** Longest single field value. */
  maxFieldValueLength: 64 * 1024,
  /** Most values of one repeated field (checkboxes) or of one JSON array. */
  maxValuesPerField: 100,
  /** Deepest JSON nesting accepted (objects are flattened to `a.b` names). */
  maxJsonDepth: 8,
} as const;
