import { outboundRequest, type OutboundPolicy } from '../../security/outbound/index.ts';
import type { MetricProviderSpec } from '../../spec/types.ts';
import type { MeasureContext } from '../types.ts';
import type { MetricProvider } from './provider.ts';

type Spec = Extract<MetricProviderSpec, { type: 'prometheus' }>;

/** Substitutes {{service}}, {{revision}}, {{stableRevision}} and {{environment}} in a query. */
export function substitute(query: string, context: MeasureContext): string {
  const values: Record<string, string> = {
    service: context.service,
    revision: String(context.canaryRevision),
    stableRevision: context.stableRevision === null ? '' : String(context.stableRevision),
    environment: context.environment,
  };
  return query.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

interface PromResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: 'vector' | 'scalar' | 'matrix' | 'string'; result: unknown };
}

/**
 * A PromQL instant query over the Prometheus HTTP API (`/api/v1/query`). One
 * series gives a number; several, a list. The address is the deployer's, so
 * it is called under the environment's outbound allow list like `http`.
 */
export class PrometheusProvider implements MetricProvider {
  readonly type = 'prometheus';

  constructor(
    private readonly spec: Spec,
    private readonly outbound: OutboundPolicy,
  ) {}

  async measure(context: MeasureContext) {
    const query = substitute(this.spec.query, context);
    const url = `${this.spec.address.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`;
    const response = await outboundRequest(this.outbound, { method: 'GET', url, timeoutMs: this.spec.timeoutMs, signal: context.signal });
    const ok = response.status >= 200 && response.status <= 299;
    let body: PromResponse;
    try {
      body = JSON.parse(response.body.toString('utf8')) as PromResponse;
    } catch {
      return { phase: 'Error' as const, message: `Prometheus answered ${response.status} to ${query} without JSON; is ${this.spec.address} a Prometheus server?` };
    }
    if (!ok || body.status !== 'success' || !body.data) {
      return { phase: 'Error' as const, message: `Prometheus answered ${response.status} to ${query}: ${body.error ?? 'no data'}` };
    }
    const { resultType, result } = body.data;
    if (resultType === 'scalar') return { value: Number((result as [number, string])[1]) };
    if (resultType === 'vector') {
      const values = (result as { value: [number, string] }[]).map((sample) => Number(sample.value[1]));
      if (values.length === 0) return { phase: 'Error' as const, message: `the query ${query} returned no series (is the metric scraped yet?)` };
      return { value: values.length === 1 ? values[0] : values };
    }
    return { phase: 'Error' as const, message: `the query ${query} returned a ${resultType}; use an instant vector or scalar query` };
  }
}
