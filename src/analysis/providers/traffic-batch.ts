import type { RequestSamples } from '../../router/wire.ts';
import type { SideTraffic, TrafficBatch } from '../judge/index.ts';

/** What was left out of a batch, and why. */
export interface Excluded {
  /** Pinned by the x-cutover-revision header or sent to the preview port: the client chose the revision, weights did not. */
  pinned: number;
  /** Answered by an instance younger than the warm-up. */
  warmingUp: number;
}

/**
 * The router's samples turned into one batch for the judge, comparing like
 * with like: only requests the weights sent (a pinned client's traffic is not
 * a random share of everyone's), only instances past their warm-up (a cold
 * instance is not the version's steady behaviour; stable instances that
 * are new are left out too), and split by route, so each route is compared
 * with itself. Samples from routers older than these fields have no routes,
 * pins or ages: they are taken as one route, unpinned and warm.
 */
export function trafficBatchFrom(
  samples: Pick<RequestSamples, 'revision' | 'status' | 'latencyMs' | 'routes' | 'route' | 'pinned' | 'instanceAgeMs'>,
  revisions: { canary: number; stable: number },
  warmUpMs: number,
  seconds?: number,
): { batch: TrafficBatch; excluded: Excluded } {
  const excluded: Excluded = { pinned: 0, warmingUp: 0 };
  type Side = ReturnType<typeof emptySide>;
  const byRoute = new Map<number, { route: string; canary: Side; stable: Side }>();
  const canary = emptySide();
  const stable = emptySide();
  for (let i = 0; i < samples.revision.length; i++) {
    const revision = samples.revision[i];
    const isCanary = revision === revisions.canary;
    if (!isCanary && revision !== revisions.stable) continue;
    if (samples.pinned?.[i] === 1) {
      excluded.pinned++;
      continue;
    }
    if ((samples.instanceAgeMs?.[i] ?? Infinity) < warmUpMs) {
      excluded.warmingUp++;
      continue;
    }
    const routeIndex = samples.route?.[i] ?? 0;
    let route = byRoute.get(routeIndex);
    if (!route) {
      route = { route: samples.routes?.[routeIndex] ?? 'all', canary: emptySide(), stable: emptySide() };
      byRoute.set(routeIndex, route);
    }
    const status = samples.status[i]!;
    const latency = samples.latencyMs[i]!;
    for (const side of isCanary ? [canary, route.canary] : [stable, route.stable]) {
      side.requests++;
      if (status >= 500) side.errors5xx++;
      if (latency >= 0) side.latenciesMs.push(latency);
    }
  }
  return { batch: { canary, stable, routes: [...byRoute.values()], ...(seconds === undefined ? {} : { seconds }) }, excluded };
}

function emptySide(): SideTraffic & { latenciesMs: number[] } {
  return { requests: 0, errors5xx: 0, latenciesMs: [] };
}
