import { outboundRequest, type OutboundPolicy } from '../../security/outbound/index.ts';
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

/**
 * GET a URL (with the same {{...}} substitutions as Prometheus queries) and
 * take a value by JSON path. Only where the environment's outbound allow list
 * says; a refusal is a measurement in Error naming the config key.
 */
export class HttpProvider implements MetricProvider {
  readonly type = 'http';

  constructor(
    private readonly spec: Spec,
    private readonly outbound: OutboundPolicy,
    /** Opens sealed credential headers just before each request. */
    private readonly openHeaders: (headers: Record<string, string>) => Promise<Record<string, string>> = (headers) => Promise.resolve(headers),
  ) {}

  async measure(context: MeasureContext) {
    const url = substitute(this.spec.url, context);
    const response = await outboundRequest(this.outbound, { method: 'GET', url, headers: await this.openHeaders(this.spec.headers), timeoutMs: this.spec.timeoutMs, signal: context.signal });
    const text = response.body.toString('utf8');
    if (response.status < 200 || response.status > 299) return { phase: 'Error' as const, message: `GET ${url} answered ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}` };
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
