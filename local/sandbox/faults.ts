import { z } from 'zod';

/** The fault kinds, in the order their rates are tried on each `Leadsin` request. */
export const faultKinds = [
  'error500',
  'rateLimit429',
  'reject406',
  'slow',
  'resetBeforeAnswer',
  'commitThenDrop',
] as const;
export type FaultKind = (typeof faultKinds)[number];

/**
 * Faults injected into `Leadsin` requests. Rates are probabilities from 0 to 1, tried per request in
 * the order of {@link faultKinds}; the first that fires wins and later ones are not drawn (nor are
 * kinds whose rate is 0), so a seeded sequence depends only on the seed and the rates.
 */
export interface SandboxFaults {
  /** Answer 500 "Internal Server Error"; the lead is not stored. */
  error500?: number;
  /** Answer 429 with `Retry-After: <retryAfterSeconds>`; the lead is not stored. */
  rateLimit429?: number;
  /** Seconds sent in `Retry-After` with a 429; default 1. */
  retryAfterSeconds?: number;
  /** Answer 406; the lead is not stored. */
  reject406?: number;
  /** Handle the request normally (a valid lead is stored at once) but answer only after `slowMs`. */
  slow?: number;
  /** Milliseconds a slow answer waits; default 15000. */
  slowMs?: number;
  /** Destroy the socket without storing or answering. */
  resetBeforeAnswer?: number;
  /** Handle the request normally (a valid lead is stored) but destroy the socket instead of answering. */
  commitThenDrop?: number;
  /** Seed of the deterministic PRNG deciding the faults; default random. */
  seed?: number;
}

const rate = z.number().min(0).max(1);

/** Validates {@link SandboxFaults}; unknown keys are refused so a typo cannot silently disable a fault. */
export const sandboxFaultsSchema = z.strictObject({
  error500: rate.optional(),
  rateLimit429: rate.optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  reject406: rate.optional(),
  slow: rate.optional(),
  slowMs: z.number().int().min(0).optional(),
  resetBeforeAnswer: rate.optional(),
  commitThenDrop: rate.optional(),
  seed: z.number().int().optional(),
});

/**
 * The mulberry32 PRNG: a small, fast generator of numbers in [0, 1), deterministic for a given seed.
 *
 * @example
 * const random = mulberry32(42);
 * random(); // always the same first number for seed 42
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Parses faults, throwing a `TypeError` naming every invalid setting. */
export function parseFaults(faults: unknown): SandboxFaults {
  const result = sandboxFaultsSchema.safeParse(faults);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    });
    throw new TypeError(`Invalid sandbox faults: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Decides, request by request, which fault (if any) to inject, and counts the ones injected. */
export class FaultInjector {
  #faults: SandboxFaults = {};
  #random: () => number = mulberry32(Math.floor(Math.random() * 2 ** 32));
  readonly #counts = new Map<FaultKind, number>();

  /** Starts with the given faults (validated). */
  constructor(faults: SandboxFaults = {}) {
    this.set(faults);
  }

  /** Replaces the faults; a `seed` restarts the PRNG, otherwise the current sequence goes on. */
  set(faults: SandboxFaults): void {
    const parsed = parseFaults(faults);
    if (parsed.seed !== undefined) this.#random = mulberry32(parsed.seed);
    this.#faults = parsed;
  }

  /** The faults in force. */
  get(): SandboxFaults {
    return { ...this.#faults };
  }

  /** Seconds to send in `Retry-After` with a 429. */
  get retryAfterSeconds(): number {
    return this.#faults.retryAfterSeconds ?? 1;
  }

  /** Milliseconds a slow answer waits. */
  get slowMs(): number {
    return this.#faults.slowMs ?? 15_000;
  }

  /** Draws the fault for one request (counting it), or `undefined` to handle it normally. */
  pick(): FaultKind | undefined {
    for (const kind of faultKinds) {
      const probability = this.#faults[kind] ?? 0;
      if (probability > 0 && this.#random() < probability) {
        this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + 1);
        return kind;
      }
    }
    return undefined;
  }

  /** How many times each fault was injected, by name (kinds never injected are left out). */
  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}
