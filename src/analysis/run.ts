import { sleep } from '../core/sleep.ts';
import type { AnalysisKind } from '../core/types.ts';
import type { AnalysisSpec, MetricSpec } from '../spec/types.ts';
import { assessMetric, combine, count, judgeValue, show } from './assess.ts';
import { safely, type MetricProvider } from './providers/provider.ts';
import type { AnalysisPhase, AnalysisView, Measurement, MeasureContext, MetricView } from './types.ts';

/** How an analysis reports what it does; the engine turns these into deployment events. */
export interface AnalysisRecorder {
  started(view: AnalysisView): void;
  measured(id: string, metric: string, measurement: Measurement, phase: AnalysisPhase, counts: MetricView['counts']): void;
  finished(id: string, phase: AnalysisPhase, message: string): void;
}

export interface AnalysisOptions {
  id: string;
  kind: AnalysisKind;
  stepIndex: number;
  spec: AnalysisSpec;
  context: Omit<MeasureContext, 'signal'>;
  providerFor: (metric: MetricSpec) => MetricProvider;
  recorder: AnalysisRecorder;
  /** Aborting stops the analysis: background analysis stops when the canary is promoted. */
  signal: AbortSignal;
}

export interface AnalysisOutcome {
  phase: Exclude<AnalysisPhase, 'Running'>;
  message: string;
}

/**
 * Runs every metric of an analysis at once, each measuring every `interval`
 * until `count` or a limit decides it. The analysis ends as soon as its
 * outcome is known (the worst metric wins), or when stopped, in which case
 * metrics that never failed count as successful.
 */
export async function runAnalysis(options: AnalysisOptions): Promise<AnalysisOutcome> {
  const { spec, recorder, id } = options;
  const views: MetricView[] = spec.metrics.map((metric) => ({
    name: metric.name,
    provider: metric.provider.type,
    dryRun: metric.dryRun,
    phase: 'Running',
    counts: { successful: 0, failed: 0, inconclusive: 0, error: 0, consecutiveErrors: 0 },
    measurements: [],
    message: '',
  }));
  const names = spec.metrics.map((m) => m.name).join(', ');
  recorder.started({ id, kind: options.kind, stepIndex: options.stepIndex, phase: 'Running', metrics: views, message: `measuring ${names}`, startedAt: Date.now(), finishedAt: null });
  const decided = new AbortController();
  const signal = AbortSignal.any([options.signal, decided.signal]);
  const context: MeasureContext = { ...options.context, signal };

  const runMetric = async (metric: MetricSpec, view: MetricView): Promise<void> => {
    const provider = options.providerFor(metric);
    // The delay comes before the provider's baseline: what happens during it
    // (a canary's warm-up) is never measured. Started first, the baseline
    // would make the first measurement hold the whole delay.
    if (metric.initialDelayMs > 0) await sleep(metric.initialDelayMs, signal).catch(() => undefined);
    if (signal.aborted) return;
    if (provider.start) {
      const started = await safely(async () => (await provider.start!(context), {}));
      if (started.phase === 'Error') view.message = started.message ?? '';
    }
    let taken = 0;
    while (!signal.aborted) {
      const began = Date.now();
      const result = await safely(() => provider.measure(context));
      if (signal.aborted && options.signal.aborted) return;
      const judged = result.phase ? { phase: result.phase, message: result.message } : judgeValue(metric, result.value);
      const measurement: Measurement = {
        at: Date.now(),
        phase: judged.phase,
        ...(result.value === undefined ? {} : { value: result.value }),
        // A provider that decided itself (command, compare) already said why in its message.
        ...(result.phase ? (result.message ? { message: result.message } : {}) : judged.message || result.message ? { message: [judged.message, result.message].filter(Boolean).join('; ') } : {}),
      };
      taken++;
      view.counts = count(view.counts, measurement);
      view.phase = assessMetric(metric, view.counts, taken);
      view.message = describe(metric, view, measurement);
      recorder.measured(id, metric.name, measurement, view.phase, view.counts);
      if (view.phase !== 'Running') {
        if (!metric.dryRun && combine(views) !== 'Running' && combine(views) !== 'Successful') decided.abort();
        return;
      }
      await sleep(metric.intervalMs - (Date.now() - began), signal).catch(() => undefined);
    }
  };

  await Promise.all(spec.metrics.map((metric, i) => runMetric(metric, views[i]!)));
  let phase = combine(views);
  // Stopped from outside (the canary was promoted) or all metrics done: a metric still running never failed.
  if (phase === 'Running') phase = 'Successful';
  const deciding = views.find((view) => !view.dryRun && view.phase === phase);
  const message =
    phase === 'Successful'
      ? `analysis of ${names} passed`
      : `analysis ${phase === 'Inconclusive' ? 'was inconclusive' : phase === 'Error' ? 'could not measure' : 'failed'}: ${deciding?.message ?? names}`;
  recorder.finished(id, phase, message);
  return { phase: phase as AnalysisOutcome['phase'], message };
}

/** One line about a metric: its latest value and what the limits made of it. */
function describe(metric: MetricSpec, view: MetricView, latest: Measurement): string {
  // Structured values (the judge's) are in the measurement; the message carries their explanation.
  const value = latest.value === undefined || typeof latest.value === 'object' ? '' : ` = ${show(latest.value)}`;
  const why = latest.message ? ` (${latest.message})` : '';
  const c = view.counts;
  const tally = `${c.successful} ok, ${c.failed} failed, ${c.inconclusive} inconclusive, ${c.error} errors`;
  return `metric ${metric.name}${value}${why}; ${tally}`;
}
