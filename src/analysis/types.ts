export type { AnalysisPhase, AnalysisView, Measurement, MeasurementPhase, MetricView } from '../core/analysis.ts';

/** What a provider measures against. */
export interface MeasureContext {
  service: string;
  environment: string;
  canaryRevision: number;
  stableRevision: number | null;
  signal: AbortSignal;
}
