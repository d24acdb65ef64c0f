import { prng } from "../../relay/solver/solverFixtures.js";

/**
 * A seeded PRNG (mulberry32, the same generator as the solver fixtures): the same seed gives the same trades
 * on every machine, so a scenario run is reproducible from its `--seed`.
 */
export type Prng = {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** Log-uniform in [min, max] (sizes spanning orders of magnitude). */
  logUniform(min: number, max: number): number;
};

/** @example const prng = createPrng(42); prng.int(1, 6) */
export function createPrng(seed: number): Prng {
  const next = prng(seed);
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    logUniform: (min, max) => Math.exp(Math.log(min) + next() * (Math.log(max) - Math.log(min))),
  };
}
