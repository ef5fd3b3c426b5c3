import type { MetricProviderSpec } from '../../spec/types.ts';
import type { TrafficRouter } from '../../traffic/traffic-router.ts';
import { createComparativeJudge, type ComparativeJudge } from '../judge/index.ts';
import type { MeasureContext } from '../types.ts';
import type { MetricProvider } from './provider.ts';
import { trafficBatchFrom } from './traffic-batch.ts';

type Spec = Extract<MetricProviderSpec, { type: 'compare' }>;

/**
 * The comparative judge: every request the router answered since the last
 * measurement, canary against stable over the same period, fed to
 * anytime-valid sequential tests. Because the tests stay valid however often
 * they are looked at, the judge can decide after any batch, in seconds,
 * with the false-alarm probability `alpha` over the whole analysis.
 * Like is compared with like (trafficBatchFrom): pinned and preview traffic
 * and instances still warming up are left out, and routes are compared one
 * by one.
 */
export class CompareProvider implements MetricProvider {
  readonly type = 'compare';
  private after = 0;
  private lastAt = 0;
  private readonly judge: ComparativeJudge;
  constructor(
    private readonly spec: Spec,
    private readonly traffic: TrafficRouter,
  ) {
    const margin = <T extends { warmUpMs?: number }>(value: T | null) => {
      if (!value) return false as const;
      const { warmUpMs: _ignored, ...rest } = value;
      return rest;
    };
    this.judge = createComparativeJudge({
      alpha: spec.alpha,
      errorRate: margin(spec.errorRate),
      latency: margin(spec.latency),
      minRequests: spec.minRequests,
    });
  }
  /** Only requests answered after the analysis started count. */
  async start(context: MeasureContext): Promise<void> {
    this.after = (await this.traffic.samples(context, 0)).seq;
    this.lastAt = Date.now();
  }
  async measure(context: MeasureContext) {
    if (context.stableRevision === null) return { phase: 'Error' as const, message: 'there is no stable revision to compare the canary with' };
    const samples = await this.traffic.samples(context, this.after);
    this.after = samples.seq;
    const now = Date.now();
    // The batch's length: what the evidence cap allows grows with it (a late read is not one second).
    const seconds = this.lastAt > 0 ? Math.max((now - this.lastAt) / 1000, 0.001) : undefined;
    this.lastAt = now;
    const revisions = { canary: context.canaryRevision, stable: context.stableRevision };
    const errorsWarmUp = this.spec.errorRate?.warmUpMs ?? this.spec.warmUpMs;
    const latencyWarmUp = this.spec.latency?.warmUpMs ?? this.spec.warmUpMs;
    const { batch, excluded } = trafficBatchFrom(samples, revisions, errorsWarmUp, seconds);
    const latencyBatch = latencyWarmUp === errorsWarmUp ? batch : trafficBatchFrom(samples, revisions, latencyWarmUp, seconds).batch;
    const result = this.judge.observe(batch, latencyBatch);
    const failed = result.verdicts.filter((verdict) => verdict.decision === 'fail');
    const shown = failed.length ? failed : result.verdicts;
    const message = shown.map((verdict) => `${verdict.metric === 'errorRate' ? 'error rate' : 'latency'}: ${verdict.explanation}`).join('; ') || `waiting for requests (canary ${batch.canary.requests}, stable ${batch.stable.requests} in this batch)`;
    const value = Object.fromEntries(result.verdicts.map((verdict) => [verdict.metric, { canary: verdict.canary, stable: verdict.stable, evidence: verdict.evidence, threshold: verdict.threshold, decision: verdict.decision }]));
    const notes = [
      excluded.pinned ? `${excluded.pinned} pinned or preview requests left out` : '',
      excluded.warmingUp ? `${excluded.warmingUp} answers from instances still warming up left out` : '',
      samples.dropped ? `${samples.dropped} samples were dropped` : '',
    ].filter(Boolean);
    return { phase: result.decision === 'fail' ? ('Failed' as const) : ('Successful' as const), value, message: notes.length ? `${message} (${notes.join('; ')})` : message };
  }
}
