import fc from 'fast-check';

/**
 * Property tests run with a fixed seed so a CI run is reproducible; set `FC_SEED=random` (or a number)
 * to explore other inputs locally. A failure prints its seed and counterexample either way.
 */
const seed = process.env.FC_SEED;
if (seed !== 'random') fc.configureGlobal({ seed: seed ? Number(seed) : 20261128 });
