/**
 * The door for the data plane: the router imports this file, not index.ts,
 * so its process never loads prom-client and the control plane's collectors.
 */
export { routerMetricsText, ROUTER_METRICS_CONTENT_TYPE } from './router-text.ts';
export { processMetricsText } from './process-text.ts';
