/** Metrics: the control plane's prom-client registry, and the router's hand-written text (the router imports data-plane.ts). */
export { createControlPlaneMetrics, type BuildInfo, type ControlPlaneMetrics, type InstanceSample } from './control-plane.ts';
export type { ServiceState } from './state-gauges.ts';
export { rollbackCause } from './observe.ts';
export { routerMetricsText, ROUTER_METRICS_CONTENT_TYPE } from './router-text.ts';
export { processMetricsText } from './process-text.ts';
export { escapeLabelValue, filterByEnvironment, formatFamily, type MetricFamily, type MetricType, type Sample } from './exposition.ts';
export { readEvent } from './events.ts';
