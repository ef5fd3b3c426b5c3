import { logMeanExp } from './verdict.ts';

/**
 * Evidence that values in [0, 1] have a conditional mean above (or below)
 * `nullMean`, by betting: each value multiplies a wealth by
 * 1 + λ·(value − nullMean), with λ >= 0 for "above" (λ <= 0 for "below").
 * While every value's mean given the past is at most nullMean, that wealth
 * is a nonnegative supermartingale with initial value 1 — even if the
 * distributions change from one value to the next — so by Ville's
 * inequality it reaches 1/alpha with probability at most alpha, at any
 * stopping time (Waudby-Smith & Ramdas, "Estimating means of bounded random
 * variables by betting", JRSS B 2024).
 *
 * Rather than tune λ, we hold an equal-weight mixture of wealths over a grid
 * of λ (their "diversified Kelly" bettor): it is within ln(grid size) of the
 * best λ in hindsight, deterministic, and needs no predictable estimate.
 */

// Fractions of the largest admissible bet, 1/nullMean (or 1/(1 − nullMean)):
// small ones for effects near the null, large ones for obvious regressions.
const BET_FRACTIONS = [0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9];

export interface MeanBets {
  /** Bets on `count` values equal to `value` (count > 1 saves work for repeated values). */
  observe(value: number, count?: number): void;
  /**
   * Bets on one batch of values (value → how often), adding at most
   * `maxLogGain` nats to each bet's wealth: a capped factor is still an
   * e-value (min(E, c) <= E), so the wealth stays a supermartingale.
   */
  observeBatch(tally: ReadonlyMap<number, number>, maxLogGain?: number): void;
  /** ln of the mixture wealth: the log e-value. */
  logEvidence(): number;
}

export function createMeanBets(nullMean: number, direction: 'above' | 'below'): MeanBets {
  if (!(nullMean > 0 && nullMean < 1)) throw new RangeError(`createMeanBets needs 0 < nullMean < 1, got ${nullMean}`);
  const largest = direction === 'above' ? 1 / nullMean : -1 / (1 - nullMean);
  const bets = BET_FRACTIONS.map((fraction) => fraction * largest);
  const logWealth = bets.map(() => 0);
  return {
    observe(value, count = 1) {
      if (!(value >= 0 && value <= 1)) throw new RangeError(`bets take values in [0, 1], got ${value}`);
      for (let i = 0; i < bets.length; i++) logWealth[i] = (logWealth[i] ?? 0) + count * Math.log1p((bets[i] ?? 0) * (value - nullMean));
    },
    observeBatch(tally, maxLogGain = Infinity) {
      for (const value of tally.keys()) if (!(value >= 0 && value <= 1)) throw new RangeError(`bets take values in [0, 1], got ${value}`);
      for (let i = 0; i < bets.length; i++) {
        let gain = 0;
        for (const [value, count] of tally) gain += count * Math.log1p((bets[i] ?? 0) * (value - nullMean));
        logWealth[i] = (logWealth[i] ?? 0) + Math.min(gain, maxLogGain);
      }
    },
    logEvidence: () => logMeanExp(logWealth),
  };
}
