import { Hono } from 'hono';
import { filterByEnvironment } from '../../monitoring/metrics/index.ts';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { sees, visibleEnvironments } from '../visibility.ts';

/** `/metrics`: the control plane's Prometheus metrics (deployments, analyses, instances, state gauges). */
export function metricsRoutes({ metrics, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, async (c) => {
    // A viewer of one environment reads that environment's series only; Prometheus (the metrics token) and admins read all.
    const visible = visibleEnvironments(c);
    const text = await metrics.metricsText();
    return c.body(visible === 'all' ? text : filterByEnvironment(text, (environment) => sees(visible, environment)), 200, { 'content-type': metrics.contentType });
  });
  return app;
}

/** One target group of Prometheus' HTTP service discovery (`http_sd_configs`). */
export interface ScrapeTargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * `/v1/metrics/targets`: every router's metrics endpoint in Prometheus'
 * `http_sd_configs` format, labelled with its service and environment, so
 * Prometheus follows routers as they start, move and stop. The admin ports
 * listen on 127.0.0.1: Prometheus runs on the same machine.
 */
export function metricsTargetRoutes({ ctx, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/targets', guard, (c) => {
    const groups: ScrapeTargetGroup[] = [];
    const visible = visibleEnvironments(c);
    for (const service of ctx.store.services.list().filter((s) => sees(visible, s.environment))) {
      const router = ctx.store.routers.get({ service: service.name, environment: service.environment });
      if (!router) continue;
      groups.push({
        targets: [`127.0.0.1:${router.adminPort}`],
        labels: { __metrics_path__: '/metrics', service: service.name, environment: service.environment },
      });
    }
    // Prometheus accepts only application/json here.
    return c.body(JSON.stringify(groups), 200, { 'content-type': 'application/json' });
  });
  return app;
}
