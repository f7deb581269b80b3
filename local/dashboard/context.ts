import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ActivitySnapshot } from '#local/dashboard/activity.ts';
import type { ObservedAttempt } from '#local/dashboard/deliveries.ts';
import type { SecretsView } from '#local/dashboard/missing-secrets.ts';
import type { DeliveryAttempt } from '#shared/delivery/deliver.ts';
import type { CustomFieldNames } from '#shared/onpipeline/custom-fields.ts';
import type { SourceProblem } from '#shared/sources/errors.ts';
import type { SourceRegistry } from '#shared/sources/registry.ts';

/**
 * What the one-machine dashboard reads from the runtime. Built in `local/runtime.ts`; the dashboard
 * only reads it (and redrives the DLQ through `sqs`).
 *
 * @example
 * localPages({ sandboxUrl, recentAttempts: () => recent, sqs, queueUrls, sources, customFields });
 */
export interface DashboardContext {
  /** The Onpipeline sandbox's URL, when the runtime runs one. */
  sandboxUrl: string | undefined;
  /** The most recent delivery attempts, newest first (`Runtime.recentAttempts`). */
  recentAttempts: () => readonly ObservedAttempt[];
  /** Leads, outcomes and latency per minute (`Runtime.activity`); without it, no charts. */
  activity?: (() => ActivitySnapshot) | undefined;
  /** A client of the embedded queue. */
  sqs: SQSClient;
  queueUrls: { leadsUrl: string; deadLetterUrl: string };
  /** The live source registry (edits apply within a second). */
  sources: SourceRegistry;
  /**
   * The problems of the source files on disk that do not validate (every file's, or one source's),
   * for the dashboard's banner and the playground. Without it, none are shown.
   */
  sourceProblems?: ((sourceId?: string) => readonly SourceProblem[]) | undefined;
  /**
   * How deliver resolves `name:` custom fields (ListCustomFields of the sandbox or Onpipeline); the
   * playground uses it so previews match deliveries. Without it, `<sourcesDir>/custom-fields.json`.
   */
  customFields?: CustomFieldNames | undefined;
  /** The sources folder, for the committed custom-field cache; default `sources`. */
  sourcesDir?: string | undefined;
  /**
   * Forgets the recent delivery attempts `matches` selects (erasure, `POST /_local/erase`) and says
   * how many; without it the endpoint forgets nothing.
   */
  forgetAttempts?: ((matches: (attempt: DeliveryAttempt) => boolean) => number) | undefined;
  /** Which sources miss a secret on this machine, for the dashboard's notice; without it, none shown. */
  secrets?: SecretsView | undefined;
}
