import { createErrorRateTest, createLatencyTest } from '../stats/index.ts';
import type { Decision, ErrorRateTest, ErrorRateVerdict, LatencyTest, LatencyVerdict } from '../stats/index.ts';
import { resolveJudgeOptions, type JudgeOptions, type ResolvedJudgeOptions } from './options.ts';

/** What the router saw on one side over one period (the same period for both sides). */
export interface SideTraffic {
  requests: number;
  errors5xx: number;
  /** Latencies of (a sample of) the period's requests, in milliseconds. */
  latenciesMs: readonly number[];
}

export interface TrafficBatch {
  canary: SideTraffic;
  stable: SideTraffic;
}

/** One metric's verdict, named by `metric`. */
export type MetricVerdict = ErrorRateVerdict | LatencyVerdict;

export interface Judgement {
  /** The worst of the verdicts: any fail fails; all must pass to pass. */
  decision: Decision;
  verdicts: MetricVerdict[];
  explanation: string;
}

export interface ComparativeJudge {
  readonly options: ResolvedJudgeOptions;
  /** Adds one period of traffic and judges everything seen so far. */
  observe(batch: TrafficBatch): Judgement;
}

// Worst wins, as in Argo Rollouts' analysis: fail over continue over pass.
const SEVERITY: Record<Decision, number> = { pass: 0, continue: 1, fail: 2 };

/**
 * How the judge's alpha is shared between its tests (weighted Bonferroni:
 * the chance that any test falsely fails is at most the sum of their alphas).
 * Errors are rare events, so the error-rate test is short of information and
 * gains most from a larger alpha (ln(0.0075/0.005) ≈ 0.4 nats, ~0.6 s at 1%
 * vs 5% and 60 canary req/s); the latency test learns from every request and
 * loses almost nothing with a smaller one (ln 2 ≈ 0.7 nats: a fraction of a
 * second at its usual pace of several nats a second).
 */
const ALPHA_SHARE = { errorRate: 0.75, latency: 0.25 };

/**
 * Judges a canary against stable on the same traffic period by period, with
 * one anytime-valid sequential test per metric (see ../stats). Because the
 * tests stay valid however often they are checked, the verdict can be read
 * after every batch — a bad canary is caught in seconds, not at the end of
 * a fixed interval — and the false-fail bound `alpha` still holds.
 */
export function createComparativeJudge(options: JudgeOptions = {}): ComparativeJudge {
  const resolved = resolveJudgeOptions(options);
  const shares = { errorRate: resolved.errorRate ? ALPHA_SHARE.errorRate : 0, latency: resolved.latency ? ALPHA_SHARE.latency : 0 };
  const alphaOf = (metric: keyof typeof shares) => (resolved.alpha * shares[metric]) / (shares.errorRate + shares.latency);
  const errorRate: ErrorRateTest | undefined = resolved.errorRate ? createErrorRateTest({ alpha: alphaOf('errorRate'), ...resolved.errorRate }) : undefined;
  const latency: LatencyTest | undefined = resolved.latency ? createLatencyTest({ alpha: alphaOf('latency'), ...resolved.latency }) : undefined;
  const served = { canary: 0, stable: 0 };

  return {
    options: resolved,
    observe(batch) {
      served.canary += batch.canary.requests;
      served.stable += batch.stable.requests;
      const verdicts: MetricVerdict[] = [];
      if (errorRate) {
        verdicts.push(
          errorRate.update({
            canary: { requests: batch.canary.requests, errors: batch.canary.errors5xx },
            stable: { requests: batch.stable.requests, errors: batch.stable.errors5xx },
          }),
        );
      }
      if (latency) verdicts.push(latency.update({ canary: batch.canary.latenciesMs, stable: batch.stable.latenciesMs }));
      const fewest = Math.min(served.canary, served.stable);
      // Until each side served minRequests the judge holds every decision at
      // continue, so none is announced on a handful of requests. The tests
      // keep counting meanwhile: their evidence is valid from the first
      // request, and a fail reached early is announced when the hold ends.
      const judged =
        fewest < resolved.minRequests
          ? verdicts.map((v) => ({ ...v, decision: 'continue' as const, explanation: `waiting for ${resolved.minRequests} requests on each side (${fewest} so far); ${v.explanation}` }))
          : verdicts;
      return summarize(judged);
    },
  };
}

function summarize(verdicts: MetricVerdict[]): Judgement {
  const decision = verdicts.reduce<Decision>((worst, v) => (SEVERITY[v.decision] > SEVERITY[worst] ? v.decision : worst), 'pass');
  const deciding = verdicts.filter((v) => v.decision === decision);
  const explanation = deciding.map((v) => `${v.metric}: ${v.explanation}`).join('; ');
  return { decision, verdicts, explanation };
}
