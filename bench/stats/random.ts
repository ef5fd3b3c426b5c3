/**
 * Seeded randomness for the benchmark and the tests, so every figure can be
 * reproduced from its seed. Not for anything secret.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * Tommy Ettinger's mulberry32: a 32-bit state generator, fast, and good
 * enough for simulation (it passes gjrand's tests at the sizes we draw).
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw by the Box–Muller transform (Box & Muller, 1958). */
export function sampleNormal(random: Random): number {
  const u = 1 - random(); // in (0, 1], so the log is finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** True with probability p. */
export function sampleBernoulli(random: Random, p: number): boolean {
  return random() < p;
}

// Knuth's product-of-uniforms method needs e^-mean to stay well above the
// smallest double, so larger means are drawn as a sum of Poisson parts
// (a sum of independent Poisson variables is Poisson with the summed mean).
const KNUTH_MAX_MEAN = 30;

/** A Poisson draw with the given mean (Knuth, TAOCP vol. 2, §3.4.1). Exact; O(mean) time. */
export function samplePoisson(random: Random, mean: number): number {
  if (!(mean >= 0)) throw new RangeError(`samplePoisson needs mean >= 0, got ${mean}`);
  let count = 0;
  let remaining = mean;
  while (remaining > 0) {
    const part = Math.min(remaining, KNUTH_MAX_MEAN);
    remaining -= part;
    const limit = Math.exp(-part);
    let product = random();
    while (product > limit) {
      count += 1;
      product *= random();
    }
  }
  return count;
}
