/**
 * The normalized service spec: what the rest of cutover works with after the
 * document a user wrote was validated and its defaults filled in. Durations
 * are milliseconds here; users write them as "1s", "10m".
 */

/** A count of instances or a percentage of the desired instances. */
export type IntOrPercent = { count: number } | { percent: number };

export type CanaryStep =
  | { setWeight: number }
  /** Requests whose header equals `exact` or matches `regex` go to the canary. */
  | { setHeaderRoute: { header: string; exact?: string; regex?: string } }
  /** Copies `percentage` of stable's idempotent requests to the canary (dark launch). */
  | { setMirrorRoute: { percentage: number } }
  | { pause: { durationMs?: number } }
  | { analysis: AnalysisSpec };

export type StrategySpec =
  | { type: 'rolling'; maxSurge: IntOrPercent; maxUnavailable: IntOrPercent }
  | {
      type: 'blueGreen';
      autoPromote: boolean;
      previewPort?: number;
      scaleDownDelayMs: number;
      prePromotionAnalysis?: AnalysisSpec;
      postPromotionAnalysis?: AnalysisSpec;
    }
  | { type: 'canary'; steps: CanaryStep[]; analysis?: AnalysisSpec };

/** What the router provider reads, per revision, over a window. */
export type RouterQuery = 'errorRate' | 'requestRate' | 'requests' | 'errors' | 'latencyP50' | 'latencyP90' | 'latencyP99';

export type MetricProviderSpec =
  /** The built-in router's counters for one side over a window. */
  | { type: 'router'; query: RouterQuery; revision: 'canary' | 'stable'; windowMs: number }
  /** A PromQL instant query; {{service}}, {{revision}}, {{stableRevision}}, {{environment}} are substituted. */
  | { type: 'prometheus'; address: string; query: string; timeoutMs: number }
  /** GET a URL and take a number (or any value) by a JSON path like $.data.errorRate. */
  | { type: 'http'; url: string; jsonPath?: string; headers: Record<string, string>; timeoutMs: number }
  /** Run a command; exit 0 passes. */
  | { type: 'command'; command: string[]; timeoutMs: number }
  /** The comparative judge: canary against stable on the router's per-request data, with anytime-valid tests. */
  | {
      type: 'compare';
      alpha: number;
      errorRate: { ratio: number; delta: number; warmUpMs?: number } | null;
      latency: { tolerance: number; minDeltaMs: number; warmUpMs?: number } | null;
      minRequests: number;
      /** Answers from instances in rotation for less than this are left out; errorRate.warmUpMs and latency.warmUpMs override it. */
      warmUpMs: number;
    };

export interface MetricSpec {
  name: string;
  provider: MetricProviderSpec;
  intervalMs: number;
  /** How many measurements; undefined: until the analysis is stopped (background analysis). */
  count?: number;
  initialDelayMs: number;
  /** CEL over `result`. */
  successCondition?: string;
  failureCondition?: string;
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
  /** Measured and shown, but never decides the outcome. */
  dryRun: boolean;
}

export interface AnalysisSpec {
  metrics: MetricSpec[];
}

export type StrategyType = StrategySpec['type'];

export interface HealthCheckSpec {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  startupTimeoutMs: number;
}

/** A hook: a command or an HTTP call, with a timeout and retries with backoff. */
export interface HookSpec {
  command?: string[];
  http?: { url: string; method: 'GET' | 'POST'; headers: Record<string, string> };
  timeoutMs: number;
  retries: number;
}

export type HookPoint = 'prepare' | 'beforeTraffic' | 'afterPromote' | 'onRollback' | 'cleanup';

/** The traffic routers a service can be served by (`traffic: { router }`). */
export const TRAFFIC_ROUTER_TYPES = ['builtin', 'haproxy'] as const;
export type TrafficRouterType = (typeof TRAFFIC_ROUTER_TYPES)[number];

export interface ServiceSpec {
  name: string;
  environment: string;
  version: string;
  /**
   * `path` as written, relative to the spec file; or `image`, an image by
   * digest (`name@sha256:<hex>`) that runs as it is, with the minisign
   * signature file of its digest (`signature`, relative to the spec file).
   */
  artifact: { path: string } | { image: string; signature?: string };
  /**
   * `secretEnv` holds the values written `{ secret: "..." }`: the server seals
   * them (age) as soon as it receives them and opens them only to start an
   * instance; they never appear in logs, events, status or API output.
   */
  /** `image`: what instances run on where they are containers (platform docker). */
  run: { command: string[]; env: Record<string, string>; secretEnv?: Record<string, string>; image?: string };
  instances: number;
  /** Limits of one instance, enforced by container platforms. */
  resources?: { cpus?: number; memoryBytes?: number };
  port: number;
  healthCheck: HealthCheckSpec;
  strategy: StrategySpec;
  progressDeadlineMs: number;
  drainTimeoutMs: number;
  /**
   * Whether an apply while a deployment is in flight supersedes it (aborts
   * it, then starts from stable); false keeps the 409. Absent in specs
   * stored before it existed: read it as true.
   */
  supersede?: boolean;
  /** The service's own hooks; they run after the environment's. */
  hooks: Partial<Record<HookPoint, HookSpec[]>>;
  /** Absent in specs stored before it existed: read it as `{ trustedProxies: [] }`. */
  traffic?: TrafficSpec;
}

export interface TrafficSpec {
  /** IP addresses or CIDR ranges whose forwarding headers the router believes. */
  trustedProxies: string[];
  /** The data plane; absent: the environment's router, else the built-in one. */
  router?: TrafficRouterType;
  /** The built-in router's cap on the service's client connections per port; absent: DEFAULT_MAX_CONNECTIONS. */
  maxConnections?: number;
}
