import type { DeliveryOutcome } from '#shared/onpipeline/outcome.ts';

/**
 * What the dashboard's charts and `leadgate status` sparklines draw: a bounded, in-memory time series
 * of the one-machine runtime. A fixed ring of one-minute buckets (three hours by default); recording
 * an event touches one bucket (O(1)); reading builds the arrays. Only counts, source ids and
 * durations are kept: no lead ids, no field values, nothing personal.
 *
 * - leads accepted per source (counted when the queue stored them, as capture answers 2xx);
 * - delivery outcomes: delivered (201, 409, or already delivered), retrying (transient or
 *   configuration), dead-lettered (permanent);
 * - delivery latency, accepted → Onpipeline's 201, as p50 and p95 per minute (from a log-scaled
 *   histogram per bucket: within 8 % of the exact percentile).
 *
 * @example
 * const activity = activitySeries();
 * activity.accepted('demo-contact');
 * activity.attempt({ kind: 'delivered', status: 201, leadId: '1' }, { receivedAt });
 * activity.snapshot().latencyMs.p95; // [null, ..., 140]
 */
export interface ActivitySeries {
  /** A lead was stored on the leads queue (capture answered 2xx). */
  accepted(sourceId: string, at?: number): void;
  /** A delivery attempt ended; `receivedAt` (the envelope's) gives the latency of a fresh 201. */
  attempt(
    outcome: DeliveryOutcome & { replayed?: boolean },
    lead: { receivedAt?: string | undefined },
    at?: number,
  ): void;
  snapshot(at?: number): ActivitySnapshot;
}

/** The outcome groups the charts draw. */
export const outcomeGroups = ['delivered', 'retrying', 'deadLettered'] as const;
export type OutcomeGroup = (typeof outcomeGroups)[number];

/** The series, oldest bucket first; the last bucket is the current (partial) minute. */
export interface ActivitySnapshot {
  bucketSeconds: number;
  /** Start of the oldest bucket (ISO, UTC). */
  from: string;
  /** Start of the newest bucket (ISO, UTC). */
  to: string;
  leads: {
    total: number[];
    /** Per source id, busiest first (at most `maxSources`; the rest as `(other sources)`). */
    bySource: Record<string, number[]>;
  };
  outcomes: Record<OutcomeGroup, number[]>;
  latencyMs: { count: number[]; p50: (number | null)[]; p95: (number | null)[] };
}

export interface ActivityOptions {
  /** Bucket width; default 60 s. */
  bucketSeconds?: number;
  /** How many buckets are kept; default 180 (three hours of minutes). */
  buckets?: number;
  /** Sources drawn separately; later ones are counted as `(other sources)`. Default 12. */
  maxSources?: number;
  now?: () => number;
}

/** The name under which sources beyond `maxSources` are counted. */
export const OTHER_SOURCES = '(other sources)';

/** Latency histogram: bin b holds durations up to GROWTH^b ms; 1 ms to beyond a day in 140 bins. */
const GROWTH = 1.15;
const BINS = 140;
const LOG_GROWTH = Math.log(GROWTH);

function binOf(ms: number): number {
  if (!(ms > 1)) return 0;
  return Math.min(BINS - 1, Math.ceil(Math.log(ms) / LOG_GROWTH));
}

/** The bin's representative value: the geometric middle of its range, in whole milliseconds. */
function binValue(bin: number): number {
  return bin === 0 ? 1 : Math.round(GROWTH ** (bin - 0.5));
}

interface Bucket {
  /** Which bucket of time this slot holds now (epoch time / bucket width); -1 when never used. */
  index: number;
  total: number;
  sources: Map<string, number>;
  outcomes: Record<OutcomeGroup, number>;
  latencyCount: number;
  latency: Uint32Array | undefined;
}

function groupOf(kind: DeliveryOutcome['kind']): OutcomeGroup {
  switch (kind) {
    case 'delivered':
    case 'duplicate':
      return 'delivered';
    case 'permanent':
      return 'deadLettered';
    case 'transient':
    case 'configuration':
      return 'retrying';
  }
}

/** A new, empty series (see `ActivitySeries`). */
export function activitySeries(options: ActivityOptions = {}): ActivitySeries {
  const bucketMs = (options.bucketSeconds ?? 60) * 1000;
  const size = options.buckets ?? 180;
  const maxSources = options.maxSources ?? 12;
  const now = options.now ?? Date.now;
  const ring: Bucket[] = Array.from({ length: size }, () => ({
    index: -1,
    total: 0,
    sources: new Map(),
    outcomes: { delivered: 0, retrying: 0, deadLettered: 0 },
    latencyCount: 0,
    latency: undefined,
  }));
  /** Sources drawn separately, in order of first appearance (bounded: `maxSources`). */
  const named = new Set<string>();

  /** The slot of `at`'s bucket, cleared if it held an older one; undefined when `at` is out of the window. */
  function bucketAt(at: number): Bucket | undefined {
    const index = Math.floor(at / bucketMs);
    const newest = Math.floor(now() / bucketMs);
    if (index <= newest - size || index > newest) return undefined;
    const bucket = ring[index % size] as Bucket;
    if (bucket.index !== index) {
      bucket.index = index;
      bucket.total = 0;
      bucket.sources.clear();
      bucket.outcomes.delivered = 0;
      bucket.outcomes.retrying = 0;
      bucket.outcomes.deadLettered = 0;
      bucket.latencyCount = 0;
      bucket.latency?.fill(0);
    }
    return bucket;
  }

  return {
    accepted(sourceId, at = now()) {
      const bucket = bucketAt(at);
      if (!bucket) return;
      if (!named.has(sourceId) && named.size < maxSources) named.add(sourceId);
      const name = named.has(sourceId) ? sourceId : OTHER_SOURCES;
      bucket.total += 1;
      bucket.sources.set(name, (bucket.sources.get(name) ?? 0) + 1);
    },
    attempt(outcome, lead, at = now()) {
      const bucket = bucketAt(at);
      if (!bucket) return;
      bucket.outcomes[groupOf(outcome.kind)] += 1;
      if (outcome.kind !== 'delivered' || outcome.replayed || !lead.receivedAt) return;
      const latency = at - Date.parse(lead.receivedAt);
      if (!Number.isFinite(latency)) return;
      bucket.latency ??= new Uint32Array(BINS);
      const bins = bucket.latency;
      const bin = binOf(Math.max(0, latency));
      bins[bin] = (bins[bin] ?? 0) + 1;
      bucket.latencyCount += 1;
    },
    snapshot(at = now()) {
      const newest = Math.floor(at / bucketMs);
      const oldest = newest - size + 1;
      const live = (index: number) => {
        const bucket = ring[index % size] as Bucket;
        return bucket.index === index ? bucket : undefined;
      };
      const indexes = Array.from({ length: size }, (_, offset) => oldest + offset);
      const buckets = indexes.map(live);
      const bySource: Record<string, number[]> = {};
      const sums = new Map<string, number>();
      for (const bucket of buckets) {
        for (const [name, count] of bucket?.sources ?? []) sums.set(name, (sums.get(name) ?? 0) + count);
      }
      const order = [...sums.keys()].sort(
        (a, b) => (sums.get(b) ?? 0) - (sums.get(a) ?? 0) || a.localeCompare(b),
      );
      for (const name of order) bySource[name] = buckets.map((bucket) => bucket?.sources.get(name) ?? 0);
      const outcomes = Object.fromEntries(
        outcomeGroups.map((group) => [group, buckets.map((bucket) => bucket?.outcomes[group] ?? 0)]),
      ) as Record<OutcomeGroup, number[]>;
      return {
        bucketSeconds: bucketMs / 1000,
        from: new Date(oldest * bucketMs).toISOString(),
        to: new Date(newest * bucketMs).toISOString(),
        leads: { total: buckets.map((bucket) => bucket?.total ?? 0), bySource },
        outcomes,
        latencyMs: {
          count: buckets.map((bucket) => bucket?.latencyCount ?? 0),
          p50: buckets.map((bucket) => percentile(bucket, 0.5)),
          p95: buckets.map((bucket) => percentile(bucket, 0.95)),
        },
      };
    },
  };
}

function percentile(bucket: Bucket | undefined, q: number): number | null {
  if (!bucket?.latency || bucket.latencyCount === 0) return null;
  const rank = Math.max(1, Math.ceil(q * bucket.latencyCount));
  let seen = 0;
  for (let bin = 0; bin < BINS; bin++) {
    seen += bucket.latency[bin] ?? 0;
    if (seen >= rank) return binValue(bin);
  }
  return binValue(BINS - 1);
}
