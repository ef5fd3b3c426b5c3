import { createErrorRateTest, createLatencyTest } from '../stats/index.ts';
import type { Decision, ErrorRateStratum, ErrorRateTest, ErrorRateVerdict, LatencyStratum, LatencyTest, LatencyVerdict } from '../stats/index.ts';
import { resolveJudgeOptions, type JudgeOptions, type ResolvedJudgeOptions } from './options.ts';

/** What the router saw on one side over one period (the same period for both sides). */
export interface SideTraffic {
  requests: number;
  errors5xx: number;
  /** Latencies of (a sample of) the period's requests, in milliseconds. */
  latenciesMs: readonly number[];
}

/** One route's traffic on each side (a route: method and path template, like "GET /users/:id"). */
export interface RouteTraffic {
  route: string;
  canary: SideTraffic;
  stable: SideTraffic;
}

export interface TrafficBatch {
  canary: SideTraffic;
  stable: SideTraffic;
  /**
   * The same traffic by route. When given, each route is compared with
   * itself (the MAX_ROUTES busiest so far, the rest together), so a canary
   * that receives a different mix of requests is not judged worse for it.
   */
  routes?: readonly RouteTraffic[];
  /** How many seconds the batch covers. @default 1 */
  seconds?: number;
}

/** Routes compared one by one; the others are compared together as "rest". */
export const MAX_ROUTES = 8;
const REST = 'rest';

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
  /**
   * Adds one period of traffic and judges everything seen so far. The
   * latency test reads `latencyBatch` when given (the same period with
   * another warm-up rule), the error-rate test `batch`.
   */
  observe(batch: TrafficBatch, latencyBatch?: TrafficBatch): Judgement;
}

// Worst wins, as in Argo Rollouts' analysis: fail over continue over pass.
const SEVERITY: Record<Decision, number> = { pass: 0, continue: 1, fail: 2 };

/**
 * How the judge's alpha is shared between its tests (weighted Bonferroni:
 * the chance that any test falsely fails is at most the sum of their alphas).
 * Errors are rare events, so the error-rate test is short of information and
 * gains most from a larger alpha (9/10 rather than 3/4: ln 1.2 ≈ 0.2 nats,
 * which with a 3 s warm-up is what brings 1% → 5% at 60 canary req/s to a
 * median of 12 s in `npm run bench:analysis`); the latency test learns from
 * every request and loses little with a smaller one (ln 2.5 ≈ 0.9 nats: well
 * under a second at its usual pace of several nats a second).
 */
const ALPHA_SHARE = { errorRate: 0.9, latency: 0.1 };

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
  const routeVolume = new Map<string, number>();

  /** The routes compared one by one: the MAX_ROUTES busiest so far (bounded work; sparse routes are pooled in "rest"). */
  const busiestAfter = (batch: TrafficBatch): Set<string> => {
    for (const { route, canary, stable } of batch.routes ?? []) routeVolume.set(route, (routeVolume.get(route) ?? 0) + canary.requests + stable.requests);
    const ranked = [...routeVolume].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([route]) => route);
    // Forget the quietest routes, so the volume table stays bounded whatever the clients send.
    for (const route of ranked.slice(16 * MAX_ROUTES)) routeVolume.delete(route);
    return new Set(ranked.slice(0, MAX_ROUTES));
  };

  return {
    options: resolved,
    observe(batch, latencyBatch = batch) {
      served.canary += batch.canary.requests;
      served.stable += batch.stable.requests;
      const busiest = busiestAfter(batch);
      const seconds = (b: TrafficBatch) => (b.seconds === undefined ? {} : { seconds: b.seconds });
      const verdicts: MetricVerdict[] = [];
      if (errorRate) {
        const strata = mergeRoutes(batch, busiest);
        const counts = (side: SideTraffic) => ({ requests: side.requests, errors: side.errors5xx });
        verdicts.push(
          errorRate.update({
            canary: counts(batch.canary),
            stable: counts(batch.stable),
            ...(strata ? { strata: strata.map((s): ErrorRateStratum => ({ key: s.route, canary: counts(s.canary), stable: counts(s.stable) })) } : {}),
            ...seconds(batch),
          }),
        );
      }
      if (latency) {
        const strata = mergeRoutes(latencyBatch, busiest);
        verdicts.push(
          latency.update({
            canary: latencyBatch.canary.latenciesMs,
            stable: latencyBatch.stable.latenciesMs,
            ...(strata ? { strata: strata.map((s): LatencyStratum => ({ key: s.route, canary: s.canary.latenciesMs, stable: s.stable.latenciesMs })) } : {}),
            ...seconds(latencyBatch),
          }),
        );
      }
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

/** The batch's routes with every route outside `busiest` merged into "rest"; undefined without routes. */
function mergeRoutes(batch: TrafficBatch, busiest: ReadonlySet<string>): RouteTraffic[] | undefined {
  if (!batch.routes) return undefined;
  const merged = new Map<string, RouteTraffic>();
  for (const traffic of batch.routes) {
    const key = busiest.has(traffic.route) ? traffic.route : REST;
    const into = merged.get(key);
    merged.set(key, into ? { route: key, canary: addSides(into.canary, traffic.canary), stable: addSides(into.stable, traffic.stable) } : { ...traffic, route: key });
  }
  return [...merged.values()];
}

function addSides(a: SideTraffic, b: SideTraffic): SideTraffic {
  return { requests: a.requests + b.requests, errors5xx: a.errors5xx + b.errors5xx, latenciesMs: [...a.latenciesMs, ...b.latenciesMs] };
}

function summarize(verdicts: MetricVerdict[]): Judgement {
  const decision = verdicts.reduce<Decision>((worst, v) => (SEVERITY[v.decision] > SEVERITY[worst] ? v.decision : worst), 'pass');
  const deciding = verdicts.filter((v) => v.decision === decision);
  const explanation = deciding.map((v) => `${v.metric}: ${v.explanation}`).join('; ');
  return { decision, verdicts, explanation };
}
