import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Series {
  label: string;
  /** One value per x (null: no value then). */
  values: (number | null)[];
  color: string;
  dash?: number[];
}

/**
 * A time chart (uPlot) that follows its container's width. `xs` are epoch
 * milliseconds. The figures are also in the page as text (the tables and
 * verdicts below each chart), so the canvas is labelled but not the only way
 * to read them.
 */
export function TimeChart({ title, xs, series, yLabel, logScale = false, testId }: { title: string; xs: number[]; series: Series[]; yLabel: string; logScale?: boolean; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = `${series.map((s) => s.label).join('|')}|${logScale}`;
  const lastShape = useRef('');

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const data: uPlot.AlignedData = [xs.map((x) => x / 1000), ...series.map((s) => s.values.map((v) => (v === null || (logScale && v <= 0) ? null : v)))];
    if (!plot.current || lastShape.current !== shape) {
      plot.current?.destroy();
      lastShape.current = shape;
      plot.current = new uPlot(
        {
          width: Math.max(element.clientWidth, 240),
          height: 200,
          scales: { x: { time: true }, y: logScale ? { distr: 3 } : { auto: true } },
          axes: [{}, { label: yLabel, size: 60 }],
          series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, ...(s.dash ? { dash: s.dash } : {}), spanGaps: true }))],
        },
        data,
        element,
      );
    } else {
      plot.current.setData(data);
    }
  }, [xs, series, shape, logScale, yLabel]);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const observer = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(element.clientWidth, 240), height: 200 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  return (
    <figure class="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: ${series.map((s) => s.label).join(', ')}`} />
    </figure>
  );
}
