/** How analyses look in a deployment's state and events (the analysis folder produces them). */
import type { AnalysisKind } from './types.ts';

/** What one measurement concluded. */
export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

/** How a metric, or a whole analysis, ended (Running while it goes on). */
export type AnalysisPhase = 'Running' | 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

export interface Measurement {
  at: number;
  phase: MeasurementPhase;
  /** The provider's result: a number, or whatever the query returned. */
  value?: unknown;
  /** Why (for errors and the judge's evidence). */
  message?: string;
}

export interface MetricView {
  name: string;
  provider: string;
  dryRun: boolean;
  phase: AnalysisPhase;
  counts: { successful: number; failed: number; inconclusive: number; error: number; consecutiveErrors: number };
  /** The latest measurements, newest last (older ones are in the events). */
  measurements: Measurement[];
  message: string;
}

export interface AnalysisView {
  id: string;
  kind: AnalysisKind;
  /** The step the analysis belongs to (background analysis: the step it started at). */
  stepIndex: number;
  phase: AnalysisPhase;
  metrics: MetricView[];
  message: string;
  startedAt: number;
  finishedAt: number | null;
}

