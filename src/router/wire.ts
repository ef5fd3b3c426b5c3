/**
 * The wire contract between the control plane and the built-in router: what
 * the router's admin API accepts and answers. Both sides import this file,
 * and only this file, of each other: the router (src/router/) implements it,
 * the control plane's client (src/traffic/builtin/) calls it. Types and path
 * names only, so importing it loads nothing else.
 */
import type { ErrorContext, FieldProblem } from '../core/errors.ts';
import type { Weights } from '../core/types.ts';
import type { HeaderRoute } from '../core/header-route.ts';

/**
 * The admin API's paths. `healthz` is open; the others need
 * `Authorization: Bearer <token>` (the token file both sides read).
 */
export const AdminPath = {
  /** GET: whether the router answers, its pid and the generation it serves. */
  healthz: '/healthz',
  /** PUT a RouterConfig to serve it; GET the one it serves. */
  config: '/config',
  /** GET the counters (RouterStats). */
  stats: '/stats',
  /** GET `?after=SEQ`: the answers one by one (RequestSamples). */
  samples: '/samples',
  /** GET the counters as Prometheus text. */
  metrics: '/metrics',
  /** PUT `{ token }`: the admin token from now on (the control plane gives each router its own; see TokenChange). */
  token: '/token',
} as const;

/** The body of `PUT /token`. The router keeps it in memory: a restarted router reads its `--token-file` again. */
export interface TokenChange {
  token: string;
}

/** A new admin token is at least this long (the control plane makes 43-character ones). */
export const MIN_TOKEN_LENGTH = 32;
export type AdminPath = (typeof AdminPath)[keyof typeof AdminPath];

/** One instance as the data plane sees it. */
export interface RouterBackend {
  id: string;
  revision: number;
  port: number;
  /**
   * The IPv4 address the instance listens on: its node's, on a swarm.
   * @default '127.0.0.1' (an instance on the router's own host)
   */
  host?: string;
  /** False while starting (not yet healthy) and while draining. */
  inRotation: boolean;
}

/** Everything the router process needs; pushed by the control plane and persisted by the router. */
/** A service's connection cap when its config has none (RouterConfig.maxConnections). */
export const DEFAULT_MAX_CONNECTIONS = 1_000;
/** The largest connection cap a config may ask for. */
export const MAX_CONNECTIONS_LIMIT = 1_000_000;

export interface RouterConfig {
  service: string;
  /** The environment of the service (absent in configs pushed before environments were identity). */
  environment?: string;
  port: number;
  previewPort?: number;
  previewRevision?: number;
  weights: Weights;
  /** Requests whose header matches go to the route's revision (after the pin header, before the weights). */
  headerRoute?: HeaderRoute;
  /**
   * The dark launch: `percentage` of the idempotent requests the weights
   * send to another revision are also sent to `revision`; its answers are
   * discarded and recorded as its samples (src/router/mirror.ts).
   */
  mirror?: { revision: number; percentage: number };
  backends: RouterBackend[];
  healthCheck: { path: string; intervalMs: number; timeoutMs: number; unhealthyThreshold: number };
  /**
   * Peers (IP addresses or CIDR ranges) whose `x-forwarded-for`, `-proto` and
   * `-host` are believed: a load balancer in front of the router. From any
   * other peer those headers are replaced by the router's own. @default []
   */
  trustedProxies?: string[];
  /**
   * The spec's drainTimeout: how long an instance out of rotation keeps its
   * WebSockets (and other upgraded connections) before the router closes
   * them (1001 "going away"). @default 30_000
   */
  drainTimeoutMs?: number;
  /**
   * The most client connections the service holds open at once on each of
   * its ports, across the router's processes (each worker holds its share,
   * rounded up). Beyond it a new connection is closed at once, so a flood
   * on one service cannot take the sockets, memory and CPU its neighbours
   * on the same router host need. @default 1_000 (DEFAULT_MAX_CONNECTIONS)
   */
  maxConnections?: number;
  /** Increases with every push, so an old config never replaces a newer one. */
  generation: number;
  /** revision (as a string key) -> the version it runs, for the router's `cutover_router_revision_info` metric. */
  versions?: Record<string, string>;
}

/** The class of an answer's HTTP status; `none` when the client went away before an answer. */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'none';

/** What the router counts per revision. */
export interface RevisionStats {
  requests: number;
  /** `requests` by the class of their answer (a broken-off answer and the router's own 502/503 are 5xx). */
  statusClasses?: Partial<Record<StatusClass, number>>;
  errors5xx: number;
  /** Requests that found no instance or whose upstream failed after retries (answered 502/503 by the router). */
  routerErrors: number;
  latency: { buckets: number[]; counts: number[]; sumMs: number; count: number };
  /** Upgraded connections (WebSockets): opened, and closed by the router because their instance was drained. Absent until the first. */
  tunnels?: { opened: number; closedOnDrain: number };
}

/** The answer to GET /stats. Counters only grow, so a reader compares two snapshots. */
export interface RouterStats {
  service: string;
  /** The environment of the service, when its config names one. */
  environment?: string;
  generation: number;
  revisions: Record<string, RevisionStats>;
  backends: Record<string, { inFlight: number; healthy: boolean; requests: number }>;
  /**
   * Workers of a supervised router that did not answer this read (busy or
   * dying): their counters are as last read, so `inFlight` may miss requests
   * they took since. A drain must not trust a read with any.
   */
  unanswered?: number;
}

/** The answer to GET /samples: the latest answers one by one, for the canary judge. */
export interface RequestSamples {
  /** The sequence number of the last sample returned; pass it as `after` next time. */
  seq: number;
  /** Samples skipped because the ring overflowed between two reads. */
  dropped: number;
  /** Parallel arrays (compact JSON): revision, HTTP status (599: broke off), latency in ms (-1: none). */
  revision: number[];
  status: number[];
  latencyMs: number[];
  /**
   * So the judge compares like with like (absent from routers older than
   * these fields). `route` indexes `routes`: method and path template, at
   * most MAX_ROUTES distinct keys per router, later ones counted as "other".
   */
  routes?: string[];
  route?: number[];
  /** 1: the request chose its revision (the x-cutover-revision header or the preview port), so weights did not; 0 otherwise. */
  pinned?: number[];
  /** How long the answering instance had been serving on this router (since its first request after it came into rotation), in ms: a young one may still be warming up. */
  instanceAgeMs?: number[];
}

/** The route keys one router tells apart in its samples; the rest are "other". */
export const MAX_ROUTES = 64;

/** The answer to GET /healthz. */
export interface HealthzAnswer {
  ok: true;
  pid: number;
  /** The generation of the config it serves; null before the first push. */
  generation: number | null;
  /** The pids of the worker processes that serve the current config, when the router runs several. */
  workers?: number[];
}

/** The answer to a PUT /config the router accepted. */
export interface PushAnswer {
  generation: number;
}

/** Every refusal (4xx, 5xx): a CutoverError as JSON, so the control plane keeps the router's code and context. */
export interface AdminErrorBody {
  error: { code: string; message: string; context?: ErrorContext; problems?: FieldProblem[] };
}
