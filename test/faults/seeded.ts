/**
 * Seeded randomness for fault injection: the seed comes from FAULT_SEED or the clock, and is
 * printed, so a kill point that found a bug can be replayed with `FAULT_SEED=<seed> npm run test:faults`.
 */
import { figure } from './figures';

export interface Random {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
}

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(scenario: string): Random {
  const seed = Number(process.env.FAULT_SEED) || (Date.now() % 2 ** 31);
  figure(scenario, 'seed (replay with FAULT_SEED)', seed);
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    seed,
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}
