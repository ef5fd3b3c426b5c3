/** What a platform needs to start one instance. */
export interface InstanceLaunch {
  id: string;
  service: string;
  /** The environment it deploys to: it decides the sandbox (account) the instance runs in. */
  environment: string;
  revision: number;
  version: string;
  /** The unpacked artifact: the instance's working directory. */
  dir: string;
  command: string[];
  env: Record<string, string>;
  port: number;
  logPath: string;
  /** The image to run on (`run.image`); platforms without images ignore it. */
  image?: string;
  /**
   * The spec's image by digest (`artifact.image`), instead of an artifact:
   * it runs as it is (nothing mounted, in the image's own working
   * directory). Container platforms only; the others refuse it.
   */
  imageArtifact?: { reference: string; digest: string };
  /** CPU and memory limits (`resources`); the local platform does not enforce them. */
  resources?: { cpus?: number; memoryBytes?: number };
}

/** One health check of an instance. */
export interface ProbeResult {
  ok: boolean;
  /** What happened, in words for messages: "answered 503", "timed out after 2s", "connection refused". */
  detail: string;
}

/**
 * Where instances run. A platform only starts, finds and stops processes;
 * health, traffic and ordering are the engine's.
 */
export interface Platform {
  /** The id used in config and errors. */
  readonly type: string;
  /** Reads what already runs (before adoption after a restart); a platform that can read it at any time has none. */
  prepare?(): Promise<void>;
  /** Starts an instance and resolves once its process exists. */
  start(launch: InstanceLaunch): Promise<{ pid: number }>;
  /** Whether the instance runs as `pid` (false for a zombie or a reused pid). */
  isRunning(id: string, pid: number | null): boolean;
  /** Finds an instance's process after a restart of the control plane. */
  find(id: string): number | null;
  /** Asks the instance to stop (SIGTERM), then forces it after `graceMs`. */
  stop(id: string, pid: number | null, graceMs: number): Promise<void>;
  /** Processes this platform started that are not among `known`: left by a crash, to be stopped. */
  orphans(known: ReadonlySet<string>): { id: string; pid: number }[];
  /** Whether the instance's process was started by the previous release (not isolated; replaced at its next deployment). */
  fromPreviousRelease(id: string, pid: number): boolean;
  /** One GET of the health check `path` (2xx and 3xx are healthy), answered within `timeoutMs` or failed. */
  probe(instance: { id: string; port: number }, path: string, timeoutMs: number): Promise<ProbeResult>;
  /** How the instance's process ended, when this platform saw it end. */
  exitOf(id: string): { code: number | null; signal: string | null } | undefined;
  /** The IPv4 address the instance listens on when not this host's loopback (a swarm task's node); absent or undefined: 127.0.0.1. */
  addressOf?(id: string): string | undefined;
  /** Where the instance runs, in words for messages, when not on this host: "node worker-1 (10.0.0.2)". */
  placeOf?(id: string): string | undefined;
}
