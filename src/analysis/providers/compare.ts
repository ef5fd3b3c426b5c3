import type { MetricProviderSpec } from '../../spec/types.ts';
import type { TrafficRouter } from '../../traffic/traffic-router.ts';
import { createComparativeJudge, type ComparativeJudge } from '../judge/index.ts';
import type { MeasureContext } from '../types.ts';
import type { MetricProvider } from './provider.ts';

type Spec = Extract<MetricProviderSpec, { type: 'compare' }>;

interface Side {
  requests: number;
  errors5xx: number;
  latenciesMs: number[];
}

/**
 * The comparative judge: every request the router answered since the last
 * measurement, canary against stable over the same period, fed to
 * anytime-valid sequential tests. Because the tests stay valid however often
 * they are looked at, the judge can decide after any batch, in seconds,
 * with the false-alarm probability `alpha` over the whole analysis.
 */
export class CompareProvider implements MetricProvider {
  readonly type = 'compare';
  private after = 0;
  private readonly judge: ComparativeJudge;

  constructor(
    spec: Spec,
    private readonly traffic: TrafficRouter,
  ) {
    this.judge = createComparativeJudge({
      alpha: spec.alpha,
      errorRate: spec.errorRate ?? false,
      latency: spec.latency ?? false,
      minRequests: spec.minRequests,
    });
  }

  /** Only requests answered after the analysis started count. */
  async start(context: MeasureContext): Promise<void> {
    this.after = (await this.traffic.samples(context.service, 0)).seq;
  }

  async measure(context: MeasureContext) {
    if (context.stableRevision === null) return { phase: 'Error' as const, message: 'there is no stable revision to compare the canary with' };
    const samples = await this.traffic.samples(context.service, this.after);
    this.after = samples.seq;
    const canary: Side = { requests: 0, errors5xx: 0, latenciesMs: [] };
    const stable: Side = { requests: 0, errors5xx: 0, latenciesMs: [] };
    for (let i = 0; i < samples.revision.length; i++) {
      const side = samples.revision[i] === context.canaryRevision ? canary : samples.revision[i] === context.stableRevision ? stable : null;
      if (!side) continue;
      side.requests++;
      if (samples.status[i]! >= 500) side.errors5xx++;
      if (samples.latencyMs[i]! >= 0) side.latenciesMs.push(samples.latencyMs[i]!);
    }
    const result = this.judge.observe({ canary, stable });
    const failed = result.verdicts.filter((verdict) => verdict.decision === 'fail');
    const shown = failed.length ? failed : result.verdicts;
    const message = shown.map((verdict) => `${verdict.metric === 'errorRate' ? 'error rate' : 'latency'}: ${verdict.explanation}`).join('; ') || `waiting for requests (canary ${canary.requests}, stable ${stable.requests} in this batch)`;
    const value = Object.fromEntries(result.verdicts.map((verdict) => [verdict.metric, { canary: verdict.canary, stable: verdict.stable, evidence: verdict.evidence, threshold: verdict.threshold, decision: verdict.decision }]));
    return { phase: result.decision === 'fail' ? ('Failed' as const) : ('Successful' as const), value, message: samples.dropped ? `${message} (${samples.dropped} samples were dropped)` : message };
  }
}
