/**
 * A fuzz target: a fast-check property run `numRuns` times. The same targets
 * run briefly in CI (test/fuzz.test.ts, FUZZ_RUNS or 200 per target) and long
 * in `npm run fuzz` (bench/fuzz.ts, ≥ 10,000 per target), which prints the
 * counts each one returns.
 */
import fc from 'fast-check';

/** A case that takes longer than this fails: a parser that hangs is a finding too. */
const CASE_TIMEOUT_MS = 20_000;

export interface FuzzTarget {
  name: string;
  /** Runs the property; resolves with the cases tried, throws fast-check's report (with its seed and counterexample) on failure. */
  run(numRuns: number, seed?: number): Promise<FuzzCount>;
}

export interface FuzzCount {
  cases: number;
  /** Cases the code under test refused (a 4xx, a thrown CutoverError, a problem): each refusal named its field. */
  refused: number;
}

/** A target from a property over `arbitrary`; `check` returns 'refused' or 'accepted', and throws (or rejects) when the property fails. */
export function fuzzTarget<T>(name: string, arbitrary: fc.Arbitrary<T>, check: (value: T) => Outcome | Promise<Outcome>): FuzzTarget {
  return {
    name,
    async run(numRuns, seed) {
      const count: FuzzCount = { cases: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(arbitrary, async (value) => {
          count.cases++;
          if ((await check(value)) === 'refused') count.refused++;
        }),
        { numRuns, ...(seed === undefined ? {} : { seed }), endOnFailure: true, timeout: CASE_TIMEOUT_MS },
      );
      return count;
    },
  };
}

export type Outcome = 'accepted' | 'refused';

/** Default runs per target for CI: FUZZ_RUNS overrides it. */
export function fuzzRuns(fallback: number): number {
  const runs = Number(process.env.FUZZ_RUNS ?? fallback);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a whole number ≥ 1, not "${process.env.FUZZ_RUNS}"`);
  return runs;
}
