/**
 * The null point a batch's likelihood ratio is taken against, for the
 * error-rate test's composite null H0: p_canary <= ratio·p_stable + delta.
 *
 * Given a simple alternative a = (a_c, a_s) and a batch of n_c canary and n_s
 * stable requests, take the point z = (z_c, z_s) of the boundary
 * z_c = ratio·z_s + delta that minimises n_c·KL(a_c‖z_c) + n_s·KL(a_s‖z_s).
 * Then LR = P_a(batch) / P_z(batch) has E_θ[LR] <= 1 for EVERY θ in H0, so it
 * is an e-value for the whole composite null, with no supremum over the
 * nuisance p_stable (which would cost ~½·ln n in a universal-inference test).
 *
 * Why: E_θ[LR] = A_c(θ_c)^n_c · A_s(θ_s)^n_s with A(p) = p·a/z + (1−p)(1−a)/(1−z),
 * affine in p. So G(θ) = ln E_θ[LR] is concave, G(z) = 0, and its gradient
 * at z is (n_c·k_c, n_s·k_s) with k = (a − z)/(z(1 − z)). The KL-minimising
 * z makes that gradient μ·(1, −ratio) with μ >= 0: the outward normal of the
 * half-plane H0. A concave function whose gradient at z points out of a
 * convex set has its maximum over the set at z, so G <= 0 on H0.
 * The same z with the inequality reversed serves the "pass" test of
 * H0': p_canary >= ratio·p_stable + delta when a lies below the boundary.
 *
 * This is the reverse information projection (RIPr) of Grünwald, de Heide &
 * Koolen, "Safe testing" (JRSS B, 2024), worked out for our shifted null;
 * Turner, Ly & Grünwald (2024, "Generic e-variables for exact sequential
 * k-sample tests that allow for optional stopping") show the same for the
 * plain 2×2 null p_a = p_b.
 */

export interface Rates {
  canary: number;
  stable: number;
}

/** "Worse" means a canary error rate above ratio × stable + delta. */
export interface ErrorMargin {
  ratio: number;
  delta: number;
}

/** The boundary point closest to `alternative` for a batch of `requests`; undefined when the batch cannot tell. */
export function closestNullRates(alternative: Rates, requests: Rates, margin: ErrorMargin): Rates | undefined {
  const { ratio, delta } = margin;
  const { canary: a_c, stable: a_s } = alternative;
  const bound = ratio * a_s + delta;
  // One side alone says nothing about the comparison: the null can match it
  // exactly. Rates must be strictly inside (0, 1) for the ratio to be finite.
  if (requests.canary <= 0 || requests.stable <= 0 || a_c === bound || bound >= 1) return undefined;
  if (!(a_c > 0 && a_c < 1 && a_s > 0 && a_s < 1)) return undefined;
  // The KL-minimising z_s is the root of `score` (the KKT condition above).
  // `score` falls strictly with z_s (each term does) and changes sign between
  // the alternative's own stable rate and the z_s where z_c = a_c, so a Newton
  // iteration kept inside that bracket converges (falling back to bisection).
  const slope = (a: number, z: number) => -((z - a) ** 2 + a * (1 - a)) / (z * (1 - z)) ** 2;
  const atCanary = (a_c - delta) / ratio;
  let lo = Math.max(Math.min(a_s, atCanary), 0);
  let hi = Math.max(a_s, atCanary);
  let z_s = (lo + hi) / 2;
  for (let i = 0; i < 200; i++) {
    const z_c = ratio * z_s + delta;
    const score = (requests.canary * (a_c - z_c)) / (z_c * (1 - z_c)) + ((requests.stable / ratio) * (a_s - z_s)) / (z_s * (1 - z_s));
    if (score > 0) lo = z_s;
    else hi = z_s;
    const derivative = requests.canary * ratio * slope(a_c, z_c) + (requests.stable / ratio) * slope(a_s, z_s);
    let next = z_s - score / derivative;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    const step = Math.abs(next - z_s);
    z_s = next;
    if (step <= 1e-15 * z_s || hi - lo <= 1e-15 * hi) break;
  }
  return { canary: ratio * z_s + delta, stable: z_s };
}

/** ln P_alternative(batch) − ln P_null(batch) for independent Bernoulli requests on each side. */
export function batchLogLikelihoodRatio(
  batch: { canary: { requests: number; errors: number }; stable: { requests: number; errors: number } },
  alternative: Rates,
  nullRates: Rates,
): number {
  const side = (requests: number, errors: number, a: number, z: number): number =>
    (errors > 0 ? errors * Math.log(a / z) : 0) + (requests > errors ? (requests - errors) * (Math.log1p(-a) - Math.log1p(-z)) : 0);
  return (
    side(batch.canary.requests, batch.canary.errors, alternative.canary, nullRates.canary) +
    side(batch.stable.requests, batch.stable.errors, alternative.stable, nullRates.stable)
  );
}
