/**
 * The environment variables leadgate's functions read, in one place. Every value here is a location
 * or a setting, never a secret: secrets are read by name through `#shared/security/secrets.ts`.
 */
export const env = {
  /** URL of the `leads` queue. */
  leadsQueueUrl: 'LEADS_QUEUE_URL',
  /** URL of the `leads-dlq` queue. */
  deadLetterQueueUrl: 'LEADS_DLQ_URL',
  /**
   * Custom SQS endpoint (the embedded queue on one machine); unset on AWS. Without it the SDK's
   * standard `AWS_ENDPOINT_URL_SQS` applies, as for DynamoDB and Secrets Manager (the deploy
   * rehearsal, docs/operations.md, uses only the standard variables).
   */
  sqsEndpoint: 'SQS_ENDPOINT',
  /** Onpipeline base URL; default https://api.onpipeline.com. */
  onpipelineUrl: 'ONPIPELINE_URL',
  /** Onpipeline client timeout in milliseconds; default 10000. */
  onpipelineTimeoutMs: 'ONPIPELINE_TIMEOUT_MS',
  /** ARN of the Secrets Manager secret holding every secret by name (AWS only). */
  secretsArn: 'SECRETS_ARN',
  /** Folder of `<sourceId>.yaml` files; default `./sources` under the working directory. */
  sourcesDir: 'SOURCES_DIR',
  /** DynamoDB idempotency table name (AWS only). */
  idempotencyTable: 'IDEMPOTENCY_TABLE',
  /** Meta Graph API base URL and version for lead fetches; defaults https://graph.facebook.com, v23.0. */
  metaGraphUrl: 'META_GRAPH_URL',
  metaGraphVersion: 'META_GRAPH_VERSION',
  /** LinkedIn API base URL and `LinkedIn-Version` for lead fetches. */
  linkedinApiUrl: 'LINKEDIN_API_URL',
  linkedinApiVersion: 'LINKEDIN_API_VERSION',
  /** Timeout of one lead fetch (Graph, LinkedIn) in milliseconds; default 10000. */
  leadFetchTimeoutMs: 'LEAD_FETCH_TIMEOUT_MS',
  /**
   * AWS AppConfig application, environment and configuration profile ids of the published sources
   * (AWS only; unset: the bundled sources alone). docs/operations.md, "Publishing sources".
   */
  appConfigApplication: 'APPCONFIG_APPLICATION_ID',
  appConfigEnvironment: 'APPCONFIG_ENVIRONMENT_ID',
  appConfigProfile: 'APPCONFIG_PROFILE_ID',
  /** Seconds between AppConfig polls (at least 15); default 30. */
  appConfigPollSeconds: 'APPCONFIG_POLL_SECONDS',
} as const;

/** Reads an environment variable, or the fallback when it is unset or empty. */
export function setting(name: string, fallback: string): string;
export function setting(name: string): string | undefined;
export function setting(name: string, fallback?: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}
