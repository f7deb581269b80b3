/**
 * How big the functions are, how the deliver trigger batches and which functions X-Ray traces. A
 * module of its own, without CDK imports: the stack builds from these numbers (and the defaults of the
 * settings that override them) and `bench/cost.ts` prices them (importing the stack would load all of
 * aws-cdk-lib), so the cost model always describes what is deployed by default.
 * docs/operations.md ("Cost") explains the choices with the measured numbers.
 *
 * @example
 * const gbPerInvocation = DELIVER_MEMORY_MB / 1024; // 0.25 GB billed per ms of a deliver batch
 */

/**
 * Memory of the capture function, MB. Capture answers an HTTP request; its billed time is mostly the
 * SQS round trip (~9 ms billed, of which its own CPU is under 0.4 ms at this size).
 */
export const CAPTURE_MEMORY_MB = 512;

/**
 * Memory of the deliver function, MB. Deliver mostly waits: one batch is one Onpipeline round trip
 * (~400 ms; the leads of a batch are sent in parallel) plus ~15 ms. Measured (BENCHMARKS.md): RSS
 * 80–84 MiB after init and the first call, and about 25 MiB more while it delivers batches of 10, so
 * 256 MB leaves more than twice what it uses; 128 MB would leave ~20 MB, on 7 % of a vCPU. Lambda
 * gives 256/1769 of a vCPU: if init is throttled like an invocation, CPU-bound init takes about twice
 * as long as at 512 MB (~1.3 s instead of ~0.65 s per cold start) for the same GB-seconds, and no
 * sender waits for deliver.
 */
export const DELIVER_MEMORY_MB = 256;

/**
 * Default batching window of the deliver trigger, seconds (SQS event source
 * `MaximumBatchingWindowInSeconds`; context `deliverBatchingWindowSeconds` overrides it, 0–300). Under
 * low traffic Lambda gathers leads for up to this long before it invokes deliver, so one invocation
 * (and one Onpipeline round trip of billed time) carries several leads instead of one; the price is
 * that a lead reaches Onpipeline up to this many seconds later. A full batch (10) goes at once.
 */
export const DELIVER_BATCHING_WINDOW_SECONDS = 20;

/** The most Lambda accepts for `MaximumBatchingWindowInSeconds`. */
export const MAX_BATCHING_WINDOW_SECONDS = 300;

/** Values of the `tracing` setting: which functions X-Ray actively traces. */
export const tracingSettings = ['none', 'deliver', 'all'] as const;
export type TracingSetting = (typeof tracingSettings)[number];

/**
 * Default of the `tracing` setting: no function traced. With X-Ray active tracing Lambda samples the
 * first invocation of each second and 5 % of the rest, a rate that cannot be changed, and X-Ray charges
 * $5 per million traces. Below one invocation a second that traces nearly every one: on deliver
 * $5 / (leads per batch) per million leads, up to $4.64 at low volume, more than the rest of deliver's
 * cost; on capture $5 per million leads. The log lines already carry what
 * a trace would show day to day (each lead's outcome, the Onpipeline status, `durationMs`), so tracing
 * is for investigations: `deliver` traces deliver, `all` capture too (a trace holds Lambda's own
 * segments: init, the invocation; the code has no X-Ray SDK, so no subsegment per downstream call).
 * docs/operations.md ("X-Ray tracing: off by default", "Cost") has the numbers.
 */
export const DEFAULT_TRACING: TracingSetting = 'none';

/** Which functions have X-Ray active tracing; the others have none (and no X-Ray permissions). */
export interface TracedFunctions {
  capture: boolean;
  deliver: boolean;
}

/**
 * The functions a `tracing` setting traces; the stack deploys it and `bench/cost.ts` prices it.
 *
 * @example
 * tracedFunctions('deliver'); // { capture: false, deliver: true }
 */
export function tracedFunctions(setting: TracingSetting): TracedFunctions {
  return { capture: setting === 'all', deliver: setting === 'deliver' || setting === 'all' };
}
