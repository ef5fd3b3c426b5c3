import { useMemo } from 'preact/hooks';
import type { StoredEvent } from './api.ts';
import { TimeChart } from './chart.tsx';
import { clock, evidence, ms } from './format.ts';

/** The comparative judge's value for one measurement (src/analysis/providers/compare.ts). */
interface Verdicts {
  errorRate?: { canary: { rate: number; n: number; errors: number }; stable: { rate: number; n: number; errors: number }; evidence: number; threshold?: number; decision: string };
  latency?: { canary: { n: number; p50: number; p99: number }; stable: { n: number; p50: number; p99: number }; evidence: number; threshold?: number; decision: string };
}

interface Point {
  at: number;
  metric: string;
  phase: string;
  message: string;
  value: Verdicts;
}

function judgePoints(events: StoredEvent[]): Point[] {
  return events.flatMap((event) => {
    if (event.type !== 'AnalysisMeasured') return [];
    const measurement = event.data.measurement as { at: number; phase: string; value?: unknown; message?: string } | undefined;
    const value = measurement?.value as Verdicts | undefined;
    if (!value || typeof value !== 'object' || (!value.errorRate && !value.latency)) return [];
    return [{ at: measurement!.at ?? event.at, metric: String(event.data.metric), phase: measurement!.phase, message: measurement!.message ?? '', value }];
  });
}

/**
 * Canary against stable, as the judge saw it: error rates and latencies over
 * time, its evidence (an e-value) that the canary is worse against the
 * threshold 1/alpha at which it fails it, and each verdict's own words.
 */
export function Judge({ events }: { events: StoredEvent[] }) {
  const points = useMemo(() => judgePoints(events), [events]);
  if (!points.length) return null;
  const xs = points.map((p) => p.at);
  const last = points.at(-1)!;
  const threshold = last.value.errorRate?.threshold ?? last.value.latency?.threshold ?? null;
  const verdicts = points.filter((p, i) => p.phase === 'Failed' || i === points.length - 1 || p.message !== points[i - 1]?.message).slice(-12);
  return (
    <section aria-labelledby="judge-title" class="judge">
      <h2 id="judge-title">The judge: canary against stable</h2>
      <p class={`verdict ${last.phase === 'Failed' ? 'bad' : ''}`} data-testid="verdict">
        <strong>{last.phase === 'Failed' ? 'Failed' : last.value.errorRate?.decision === 'pass' || last.value.latency?.decision === 'pass' ? 'Passing' : 'Watching'}</strong>: {last.message}
      </p>
      <table class="evidence" data-testid="evidence">
        <caption>Evidence that the canary is worse, against the threshold it fails at</caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Canary</th>
            <th scope="col">Stable</th>
            <th scope="col">Evidence</th>
            <th scope="col">Threshold</th>
            <th scope="col">Decision</th>
          </tr>
        </thead>
        <tbody>
          {last.value.errorRate && (
            <tr class={last.value.errorRate.decision === 'fail' ? 'bad' : ''}>
              <th scope="row">error rate</th>
              <td>
                {(last.value.errorRate.canary.rate * 100).toFixed(2)}% ({last.value.errorRate.canary.errors}/{last.value.errorRate.canary.n})
              </td>
              <td>
                {(last.value.errorRate.stable.rate * 100).toFixed(2)}% ({last.value.errorRate.stable.errors}/{last.value.errorRate.stable.n})
              </td>
              <td>{evidence(last.value.errorRate.evidence)}</td>
              <td>{last.value.errorRate.threshold === undefined ? '—' : evidence(last.value.errorRate.threshold)}</td>
              <td>{last.value.errorRate.decision}</td>
            </tr>
          )}
          {last.value.latency && (
            <tr class={last.value.latency.decision === 'fail' ? 'bad' : ''}>
              <th scope="row">latency</th>
              <td>
                p50 {ms(last.value.latency.canary.p50)}, p99 {ms(last.value.latency.canary.p99)} (n {last.value.latency.canary.n})
              </td>
              <td>
                p50 {ms(last.value.latency.stable.p50)}, p99 {ms(last.value.latency.stable.p99)} (n {last.value.latency.stable.n})
              </td>
              <td>{evidence(last.value.latency.evidence)}</td>
              <td>{last.value.latency.threshold === undefined ? '—' : evidence(last.value.latency.threshold)}</td>
              <td>{last.value.latency.decision}</td>
            </tr>
          )}
        </tbody>
      </table>
      <div class="grid">
        <TimeChart
          title="Evidence against the canary (e-value, log scale) and the threshold"
          xs={xs}
          logScale
          yLabel="e-value"
          testId="evidence-chart"
          series={[
            ...(last.value.errorRate ? [{ label: 'error rate evidence', values: points.map((p) => p.value.errorRate?.evidence ?? null), color: '#b00020' }] : []),
            ...(last.value.latency ? [{ label: 'latency evidence', values: points.map((p) => p.value.latency?.evidence ?? null), color: '#6a1b9a' }] : []),
            ...(threshold !== null ? [{ label: 'threshold (1/alpha)', values: points.map(() => threshold), color: '#333', dash: [6, 4] }] : []),
          ]}
        />
        {last.value.errorRate && (
          <TimeChart
            title="5xx error rate (%)"
            xs={xs}
            yLabel="%"
            series={[
              { label: 'canary', values: points.map((p) => (p.value.errorRate ? p.value.errorRate.canary.rate * 100 : null)), color: '#b35900' },
              { label: 'stable', values: points.map((p) => (p.value.errorRate ? p.value.errorRate.stable.rate * 100 : null)), color: '#1f5fa8' },
            ]}
          />
        )}
        {last.value.latency && (
          <TimeChart
            title="Latency p99 (ms)"
            xs={xs}
            yLabel="ms"
            series={[
              { label: 'canary p99', values: points.map((p) => p.value.latency?.canary.p99 ?? null), color: '#b35900' },
              { label: 'stable p99', values: points.map((p) => p.value.latency?.stable.p99 ?? null), color: '#1f5fa8' },
            ]}
          />
        )}
      </div>
      <h3>Verdicts</h3>
      <ol class="events" reversed data-testid="verdicts">
        {[...verdicts].reverse().map((p, i) => (
          <li key={i} class={p.phase === 'Failed' ? 'bad' : ''}>
            <time>{clock(p.at)}</time> <strong>{p.metric}</strong> {p.phase}: {p.message}
          </li>
        ))}
      </ol>
    </section>
  );
}
