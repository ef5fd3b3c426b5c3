import { messageOf } from '../../core/errors.ts';
import type { Measurement, MeasureContext } from '../types.ts';

/**
 * Where a metric's values come from. One measurement per call; a query that
 * fails is a measurement in Error, never an exception, so the analysis's
 * limits decide what it means.
 */
export interface MetricProvider {
  /** The provider id used in the spec (`provider: { <type>: ... }`). */
  readonly type: string;
  /** Called once when the analysis starts, before any measurement (e.g. to take a baseline). */
  start?(context: MeasureContext): Promise<void>;
  /** Takes one measurement. `phase` is set when the provider decides itself (command, compare); else conditions decide. */
  measure(context: MeasureContext): Promise<Omit<Measurement, 'at' | 'phase'> & { phase?: Measurement['phase'] }>;
}

/** Turns anything thrown during a measurement into an Error measurement. */
export async function safely(measure: () => Promise<Awaited<ReturnType<MetricProvider['measure']>>>): Promise<Awaited<ReturnType<MetricProvider['measure']>>> {
  try {
    return await measure();
  } catch (error) {
    return { phase: 'Error', message: messageOf(error) };
  }
}
