import { Hono } from 'hono';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';

/** `/metrics`: the control plane's Prometheus metrics (deployments, analyses, instances, state gauges). */
export function metricsRoutes({ metrics, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, async (c) => c.body(await metrics.metricsText(), 200, { 'content-type': metrics.contentType }));
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
    for (const service of ctx.store.services.list()) {
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
