/**
 * The Prometheus text exposition format 0.0.4, hand-written for the router:
 * it serves `/metrics` from a process that must stay light, so it does not
 * load prom-client and its default collectors.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface Sample {
  /** Appended to the family name: `_bucket`, `_sum`, `_count` for histograms. */
  suffix?: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

/** Label values escape backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed (a quote is fine there). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Values are Go-style floats: NaN, +Inf and -Inf are spelled out. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}

/** One family: HELP, TYPE, then its samples, each line ending in a line feed. */
export function formatFamily(family: MetricFamily): string {
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`];
  for (const sample of family.samples) {
    lines.push(`${family.name}${sample.suffix ?? ''}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
  }
  return lines.join('\n') + '\n';
}

// The environment label of a sample line, with Prometheus' escapes (\\, \", \n) inside the value.
const ENVIRONMENT_LABEL = /[{,]environment="((?:[^"\\]|\\.)*)"/;

/**
 * The exposition text with only the samples of environments `keep` accepts.
 * Lines without an environment label (HELP, TYPE, the server's own process
 * and build metrics) stay: they say nothing about any environment.
 */
export function filterByEnvironment(text: string, keep: (environment: string) => boolean): string {
  return text
    .split('\n')
    .filter((line) => {
      if (line.startsWith('#')) return true;
      const match = ENVIRONMENT_LABEL.exec(line);
      return !match || keep(match[1]!.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1'));
    })
    .join('\n');
}
