import { Hono } from 'hono';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';

/** Who leads the control plane and which replica answered (null fields: one server, no replicas). */
export interface ControlPlaneView {
  /** The replica that answered this request. */
  replica: { id: string; url: string } | null;
  /** The holder of the leadership lease, as the store says; `live` false when it lapsed and no one took it yet. */
  leader: { id: string; url: string; token: number; since: string; expiresAt: string; live: boolean } | null;
}

/** `/v1/control-plane`: `cutover status` names the leader from it. */
export function controlPlaneRoutes({ guard, controlPlane }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, (c) => c.json(controlPlane?.() ?? { replica: null, leader: null }));
  return app;
}
