import type { MetricProviderSpec } from '../../spec/types.ts';
import type { MeasureContext } from '../types.ts';
import { substitute } from './prometheus.ts';
import type { MetricProvider } from './provider.ts';

type Spec = Extract<MetricProviderSpec, { type: 'http' }>;

/** Reads `$.a.b[0].c` from a JSON value; undefined when the path does not exist. */
export function readJsonPath(value: unknown, path: string): unknown {
  const steps = path.replace(/^\$\.?/, '').match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let current: unknown = value;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = step.startsWith('[') ? Number(step.slice(1, -1)) : step;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** GET a URL (with the same {{...}} substitutions as Prometheus queries) and take a value by JSON path. */
export class HttpProvider implements MetricProvider {
  readonly type = 'http';

  constructor(private readonly spec: Spec) {}

  async measure(context: MeasureContext) {
    const url = substitute(this.spec.url, context);
    const response = await fetch(url, { headers: this.spec.headers, signal: AbortSignal.any([context.signal, AbortSignal.timeout(this.spec.timeoutMs)]) });
    const text = await response.text();
    if (!response.ok) return { phase: 'Error' as const, message: `GET ${url} answered ${response.status}` };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { phase: 'Error' as const, message: `GET ${url} did not answer JSON` };
    }
    const value = this.spec.jsonPath ? readJsonPath(body, this.spec.jsonPath) : body;
    if (value === undefined) return { phase: 'Error' as const, message: `${this.spec.jsonPath} is not in the answer of GET ${url}` };
    return { value };
  }
}
