import type { MiddlewareHandler } from 'hono';
import type { Coordinator } from '../engine/coordinator.ts';
import type { EngineContext } from '../engine/context.ts';
import type { ServerLimits } from '../config/limits.ts';
import type { AlertsConfig } from '../monitoring/alerts/index.ts';
import type { ControlPlaneMetrics } from '../monitoring/metrics/index.ts';
import type { AuditLog } from '../security/audit/index.ts';
import type { KeyRing } from '../security/encryption/index.ts';
import type { IdentityStore } from '../security/identity/index.ts';
import type { AnonymousFailures } from './anonymous-failures.ts';
import type { AuthEnv } from './auth.ts';
import type { ControlPlaneView } from './control-plane-view.ts';
import type { ServiceList } from './service-list.ts';

/** What the API's routes act on, handed to each resource's sub-app. */
export interface ApiDeps {
  ctx: EngineContext;
  coordinator: Coordinator;
  identities: IdentityStore;
  metrics: ControlPlaneMetrics;
  alerts: AlertsConfig;
  keys: KeyRing;
  audit: AuditLog;
  /** The read-only token Prometheus scrapes with (`<data-dir>/metrics-token`); routes marked `metricsToken` in permissions.ts accept it. */
  metricsToken?: string;
  /** `security.publicUrl`: when set, signatures must name its authority (see authenticate in auth.ts). */
  publicUrl?: string | null;
  /** Upload size, event streams per identity (the config's `limits:`). @default DEFAULT_LIMITS */
  limits?: ServerLimits;
  /** Counts unauthenticated failures into aggregated audit entries; the server flushes it when it stops. @default one of its own */
  anonymousFailures?: AnonymousFailures;
  /**
   * Authenticates the caller and checks the route's permission
   * (permissions.ts). Every route but `GET /healthz` runs it first; the API
   * refuses to start when one does not.
   */
  guard: MiddlewareHandler<AuthEnv>;
  /** What `GET /v1/services` answers, kept rendered (the server refreshes it in the background). @default one of its own, rendered at each request */
  serviceList?: ServiceList;
  /** The leader and this replica, when the server runs as a replica. */
  controlPlane?: () => ControlPlaneView;
}
