import { CutoverError, ErrorCode } from '../../core/errors.ts';
import type { CommandSandbox } from '../../core/run-command.ts';
import type { OutboundPolicy } from '../../security/outbound/index.ts';
import type { MetricProviderSpec } from '../../spec/types.ts';
import type { TrafficRouter } from '../../traffic/traffic-router.ts';
import { CommandProvider } from './command.ts';
import { CompareProvider } from './compare.ts';
import { HttpProvider } from './http.ts';
import { PrometheusProvider } from './prometheus.ts';
import type { MetricProvider } from './provider.ts';
import { RouterProvider } from './router.ts';

/** The registry of metric providers: one explicit switch. */
export function createProvider(spec: MetricProviderSpec, deps: { traffic: TrafficRouter; sandbox: CommandSandbox; outbound: OutboundPolicy; openHeaders?: (headers: Record<string, string>) => Promise<Record<string, string>> }): MetricProvider {
  switch (spec.type) {
    case 'router':
      return new RouterProvider(spec, deps.traffic);
    case 'prometheus':
      return new PrometheusProvider(spec, deps.outbound);
    case 'http':
      return new HttpProvider(spec, deps.outbound, deps.openHeaders);
    case 'command':
      return new CommandProvider(spec, deps.sandbox);
    case 'compare':
      return new CompareProvider(spec, deps.traffic);
    default: {
      const unknown: never = spec;
      throw new CutoverError(ErrorCode.InvalidSpec, `no valid provider in metric: ${JSON.stringify(unknown)}; use router, prometheus, http, command or compare`);
    }
  }
}

export type { MetricProvider } from './provider.ts';
export { readJsonPath } from './http.ts';
export { substitute } from './prometheus.ts';
export { difference, readQuery } from './router.ts';
