/**
 * How big the functions are and how the deliver trigger batches. A module of its own, without CDK
 * imports: the stack builds from these numbers and `bench/cost.ts` prices them (importing the stack
 * would load all of aws-cdk-lib), so the cost model always describes what is deployed.
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

/**
 * X-Ray active tracing of each function: `active` (Lambda samples the first invocation of each second
 * and 5 % of the rest, and that rate cannot be changed) or `pass-through` (traced only when the caller
 * sent a sampled trace header). Capture is not traced: below one request a second Lambda would trace
 * every request, $5 per million leads, more than the rest of capture's cost, for a trace that shows
 * one SQS call whose duration the request log line already carries (`durationMs`). Deliver is traced:
 * its invocations carry a batch each, and its trace shows the Onpipeline and DynamoDB calls.
 * BENCHMARKS.md ("Cost") has the numbers.
 */
export const CAPTURE_TRACING: 'active' | 'pass-through' = 'pass-through';
export const DELIVER_TRACING: 'active' | 'pass-through' = 'active';
