import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { EngineContext } from '../engine/context.ts';
import { Coordinator } from '../engine/coordinator.ts';
import { startUploadPruning } from '../engine/uploads.ts';
import type { Logger } from '../monitoring/logger.ts';
import { createPlatform, engineSocket, isInside, PerEnvironmentPlatform, Sandbox, serverMark, SimulatedPlatform, type DockerPlatform, type SwarmPlatform } from '../platforms/index.ts';
import { checkStoreAtStart, openStore, runningServer, writeServerPid, type CommitMode } from '../store/index.ts';
import { loadLibpq, PostgresDatabase } from '../store/sql/index.ts';
import type { Fence } from '../engine/fence.ts';
import { FencedPlatform, FencedTrafficRouter, LeaseStore, Leadership, newReplicaId, type LeaseTerms, type Replica } from './leadership/index.ts';
import { ArtifactStore } from '../supply-chain/artifacts.ts';
import { KeyRing, openSecret, sealSecret } from '../security/encryption/index.ts';
import { SecretBox } from '../engine/secrets.ts';
import { metricsTokenPath, ROUTER_LAYOUTS, SharedBuiltinTrafficRouter } from '../traffic/builtin/index.ts';
import { HaproxyTrafficRouter } from '../traffic/haproxy/index.ts';
import { PerServiceTrafficRouter } from '../traffic/per-service.ts';
import { SimulatedTrafficRouter } from '../traffic/simulated/index.ts';
import { AnonymousFailures } from '../api/anonymous-failures.ts';
import { createApi } from '../api/app.ts';
import type { ControlPlaneView } from '../api/control-plane-view.ts';
import { ServiceList } from '../api/service-list.ts';
import { adminTokenPath, ensureAdminToken, readAdminToken } from './admin-token.ts';
import { IdentityStore, ensureBootstrapAdmin } from '../security/identity/index.ts';
import { AuditLog } from '../security/audit/index.ts';
import { loadServerConfig } from '../config/server-config.ts';
import { startMonitoring } from './monitoring.ts';

export interface ServerOptions {
  dataDir: string;
  /** The config file; default `<data-dir>/config.yaml` (optional). */
  configFile?: string;
  host: string;
  port: number;
  log: Logger;
  /** PEM files; required to listen on anything but loopback. */
  tls?: { certFile: string; keyFile: string };
  /** Listen on a non-loopback address without TLS anyway (logged loudly at every start). */
  insecureListenAnywhere?: boolean;
  /** Where the age key ring lives. @default `<data-dir>/keys` */
  keyDir?: string;
  /** A PostgreSQL URL to keep the state in (else the config file's `store`, else `<data-dir>/cutover.db`). */
  store?: string;
  /** One age identity file the server only reads, instead of a ring (`$CREDENTIALS_DIRECTORY/age-key` under systemd). */
  keyFile?: string;
  /** How the store's commits reach the disk: grouped (default) or an fsync in each (`--sync-every-commit`; src/store/sql/group-commit.ts). */
  commits?: CommitMode;
  /**
   * Run as one of several replicas on one store: every replica serves the
   * API; only the one holding the leadership lease executes (src/server/leadership/).
   */
  replica?: boolean;
  /** The lease's terms (tests shorten it). @default DEFAULT_TERMS (6 s) */
  leaseTerms?: LeaseTerms;
}

export interface RunningServer {
  url: string;
  coordinator: Coordinator;
  ctx: EngineContext;
  /** Present when the server runs as a replica. */
  leadership?: Leadership;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Starts the control plane: store, engine (adopting what runs), and the HTTP API. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  if (!LOOPBACK.has(options.host) && !options.tls) {
    if (!options.insecureListenAnywhere) {
      throw new CutoverError(
        ErrorCode.InvalidConfig,
        `refusing to listen on ${options.host} without TLS: tokens and signed requests would cross the network in clear; pass --tls-cert and --tls-key, or --insecure-listen-anywhere if something else encrypts the traffic`,
      );
    }
    options.log.warn({ host: options.host }, 'INSECURE: the API listens on a non-loopback address WITHOUT TLS (--insecure-listen-anywhere); tokens cross the network in clear');
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  // An existing data dir keeps whatever mode it was made with: corrected, it is the control plane's alone.
  chmodSync(options.dataDir, 0o700);
  const dataDir = resolve(options.dataDir);
  const configFile = resolve(options.configFile ?? join(options.dataDir, 'config.yaml'));
  const config = await loadServerConfig(configFile, options.configFile !== undefined);
  if (!LOOPBACK.has(options.host) && config.publicUrl === null) {
    options.log.warn({ host: options.host }, 'security.publicUrl is not set: signed requests are checked against the Host header the client sends, so a request signed for another server that trusts the same key is accepted here; set security.publicUrl to the URL clients use');
  }
  const sandbox = Sandbox.open(config.isolation, { hidden: [dataDir, configFile], revisionsDir: revisionsDirOf(dataDir, config.isolation.revisionsDir) }, options.log);
  const storeUrl = options.store ?? config.store;
  const storeFile = join(options.dataDir, 'cutover.db');
  // A lost or damaged store is refused here, before anything could be stopped as "a process no record owns".
  // (PostgreSQL checks its own pages; a database that cannot be reached fails openStore with the server named.)
  if (storeUrl === null) checkStoreAtStart(storeFile, options.dataDir, 0);
  const store = openStore(storeUrl ?? storeFile, options.commits);
  const link = store.db instanceof PostgresDatabase ? { link: store.db.link } : {};
  options.log.info({ store: store.db.location, dialect: store.db.dialect, ...link }, 'store opened');
  // Through the worker because libpq's binding is missing: slower under load (src/store/sql/postgres-libpq.ts), said once.
  if (link.link === 'worker' && !loadLibpq().construct) options.log.warn({ why: loadLibpq().why }, 'PostgreSQL statements go through pg in a worker thread, about half as fast as through libpq');
  const pidFile = join(options.dataDir, 'server.pid');
  writeServerPid(pidFile);
  // Replicas: the fence every side effect asks is the leadership; without it the server always acts, as before.
  const replica: Replica | null = options.replica ? { id: newReplicaId(), url: '' } : null;
  let leadership: Leadership | null = null;
  const fence: Fence | undefined = replica
    ? {
        check: (action) => leadership!.check(action),
        confirm: (action) => leadership!.confirm(action),
        leads: () => leadership?.leads() ?? false,
      }
    : undefined;
  // Artifacts (and secret values) are encrypted at rest to this server's age key.
  const keys = await openKeys(options);
  // Environments whose config says `platform: simulated` (never production: src/environments/config.ts) run on records, with synthesised traffic.
  const isSimulated = (environment: string) => config.environments[environment]?.platform === 'simulated';
  const simulated = new SimulatedPlatform();
  const simulatedEnvironments = Object.values(config.environments).filter((env) => env.platform === 'simulated').map((env) => env.name);
  if (simulatedEnvironments.length) options.log.warn({ environments: simulatedEnvironments }, 'SIMULATED: these environments run no instance and serve no request; their deployments and analyses see faked outcomes');
  const platformOptions = { mark: serverMark(options.dataDir), sandbox, dataDir, log: options.log, imageFor: (environment: string) => config.environments[environment]?.image };
  const dockerEnvironments = Object.values(config.environments).filter((env) => env.platform === 'docker').map((env) => env.name);
  if (dockerEnvironments.length) options.log.info({ environments: dockerEnvironments, engine: engineSocket() }, 'these environments run their instances as containers on the Docker engine');
  const swarmEnvironments = Object.values(config.environments).filter((env) => env.platform === 'swarm').map((env) => env.name);
  if (swarmEnvironments.length) options.log.info({ environments: swarmEnvironments, manager: engineSocket() }, 'these environments run their instances as services on the Docker Swarm');
  const platform = new PerEnvironmentPlatform(
      createPlatform('local', platformOptions),
      simulated,
      (environment) => config.environments[environment]?.platform ?? 'local',
      // The engine is asked for only when an environment runs containers.
      dockerEnvironments.length ? (createPlatform('docker', platformOptions) as DockerPlatform) : undefined,
      swarmEnvironments.length ? (createPlatform('swarm', platformOptions) as SwarmPlatform) : undefined,
    );
  const traffic = new PerServiceTrafficRouter(
      {
        builtin: new SharedBuiltinTrafficRouter(options.dataDir, store, options.log, builtinRouterLayout()),
        haproxy: new HaproxyTrafficRouter(options.dataDir, options.log),
        simulated: new SimulatedTrafficRouter(simulated, config.simulation),
      },
      (ref) => {
        // A spec cannot choose the simulation, nor leave it: the environment decides.
        if (isSimulated(ref.environment)) return 'simulated';
        const spec = store.services.get(ref)?.spec;
        return spec?.traffic?.router ?? (spec ? config.environments[spec.environment]?.trafficRouter : undefined) ?? 'builtin';
      },
    );
  const ctx: EngineContext = {
    dataDir: options.dataDir,
    store,
    // A replica's platform and routers are fenced: only the leader starts, stops or pushes (leadership/fenced.ts).
    platform: fence ? new FencedPlatform(platform, fence) : platform,
    traffic: fence ? new FencedTrafficRouter(traffic, fence) : traffic,
    ...(fence ? { fence } : {}),
    artifacts: new ArtifactStore(join(options.dataDir, 'artifacts'), keys),
    log: options.log,
    environments: config.environments,
    policies: config.policies,
    advisoryDb: config.advisoryDb,
    secrets: new SecretBox(keys, store),
    sandbox,
  };
  const monitoring = startMonitoring(ctx, config.alerts);
  const coordinator = new Coordinator(ctx);
  // What only the leader runs: the engine (adoption, runners, supervision, healing) and upload pruning. One server leads from the start.
  let uploads: { stop(): Promise<void> } | null = null;
  const lead = async (token?: number) => {
    // A replica's term: alerts first, so what the previous leader left unalerted goes out before new events come.
    if (token !== undefined) monitoring.lead(token);
    await coordinator.start();
    uploads = startUploadPruning(ctx, config.limits.unusedUploadsAfterMs);
  };
  const follow = async () => {
    monitoring.follow();
    // coordinator.stop tells every runner to stop before its first await: nothing acts after this line.
    const stopping = coordinator.stop();
    const pruning = uploads;
    uploads = null;
    await Promise.all([stopping, pruning?.stop()]);
  };
  if (!replica) await lead();
  const identities = new IdentityStore(store.db);
  // HMAC signing secrets are sealed to the key ring in the store; ones kept in the clear by an older release are sealed now.
  const sealedNow = await identities.sealSecrets({
    seal: async (secret) => await sealSecret(secret.toString('base64'), keys.current().recipient),
    open: async (sealed) => Buffer.from(await openSecret(sealed, keys.identities()), 'base64'),
  });
  if (sealedNow > 0) options.log.info({ keys: sealedNow }, 'HMAC signing secrets sealed with the key ring (they were kept in the clear)');
  // The admin-token file is written on the first start only; once admin is removed or its tokens revoked, it is never accepted again.
  const bootstrap = ensureBootstrapAdmin(identities, { create: () => ensureAdminToken(options.dataDir), read: () => readAdminToken(options.dataDir) });
  if (bootstrap.tokenWorks === false) options.log.warn({ file: adminTokenPath(options.dataDir) }, 'the token in admin-token no longer works (admin removed or its tokens revoked) and never will again; delete the file');
  // Written by the traffic router beside its own token; routers and the API both accept it for metrics.
  const metricsToken = readFileSync(metricsTokenPath(options.dataDir), 'utf8').trim();
  const audit = new AuditLog(store.db);
  const anonymousFailures = new AnonymousFailures(audit);
  // The list's statuses, rendered again in the background as they change (api/service-list.ts); every replica serves the list.
  const serviceList = new ServiceList(ctx);
  serviceList.start();
  const app = createApi({ ctx, coordinator, serviceList, identities, metrics: monitoring.metrics, alerts: config.alerts, keys, audit, metricsToken, anonymousFailures, limits: config.limits, publicUrl: config.publicUrl, ...(replica ? { controlPlane: () => controlPlaneView(replica, new LeaseStore(store.db)) } : {}) });
  const server = await new Promise<Server>((resolve, reject) => {
    const base = { fetch: app.fetch, hostname: options.host, port: options.port };
    // @hono/node-server takes https.createServer with its options for TLS.
    const config = options.tls
      ? { ...base, createServer: createHttpsServer, serverOptions: { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) } }
      : base;
    const s = serve(config as Parameters<typeof serve>[0], () => resolve(s as Server));
    (s as Server).once('error', reject);
  }).catch(async (error: NodeJS.ErrnoException) => {
    await follow();
    await serviceList.stop();
    monitoring.stop();
    store.close();
    if (error.code === 'EADDRINUSE') throw new CutoverError(ErrorCode.PortInUse, `port ${options.port} is in use; is another cutover server running? Choose another with --port`);
    throw error;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `${options.tls ? 'https' : 'http'}://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  if (replica) {
    replica.url = url;
    leadership = new Leadership(new LeaseStore(store.db), replica, { lead, follow }, options.log, options.leaseTerms);
    options.log.info({ replica: replica.id }, 'running as a replica: it serves the API, and executes deployments only while it holds the leadership lease');
    leadership.start();
  }
  options.log.info({ url, dataDir: options.dataDir }, 'cutover server listening');
  return {
    url,
    coordinator,
    ctx,
    ...(leadership ? { leadership } : {}),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // A leader ends its term in the store: a follower takes over at its next attempt, not after the lease.
      if (leadership) await leadership.stop();
      else await follow();
      await serviceList.stop();
      monitoring.stop();
      // Unauthenticated failures counted since the last minute's entry.
      anonymousFailures.flush();
      store.close();
      // Replicas share the data dir: the file names the last one started, and only that one removes it.
      if (runningServer(pidFile) === process.pid || !existsSync(pidFile)) rmSync(pidFile, { force: true });
    },
  };
}

/** The leader as the store names it, and this replica. */
function controlPlaneView(replica: Replica, leases: LeaseStore): ControlPlaneView {
  const held = leases.holder();
  return {
    replica: { id: replica.id, url: replica.url },
    leader: held ? { id: held.holder, url: held.url, token: held.token, since: new Date(held.since).toISOString(), expiresAt: new Date(held.expiresAt).toISOString(), live: held.live } : null,
  };
}

/**
 * The age keys: a file the server only reads (--key-file, or systemd's
 * credential `age-key`), a ring elsewhere (--key-dir), or by default the
 * ring in `<data-dir>/keys`. Outside the data dir, a copy of the data dir
 * (a backup, a leaked volume) opens no artifact and no secret.
 */
async function openKeys(options: ServerOptions): Promise<KeyRing> {
  if (options.keyFile) return await KeyRing.fromFile(resolve(options.keyFile));
  const credentials = process.env.CREDENTIALS_DIRECTORY;
  if (!options.keyDir && credentials && existsSync(join(credentials, 'age-key'))) return await KeyRing.fromFile(join(credentials, 'age-key'));
  return await KeyRing.open(resolve(options.keyDir ?? join(options.dataDir, 'keys')));
}

/**
 * Where revisions are unpacked: outside the data dir, which stays 0700 so
 * no sandbox account can reach anything in it. Default `<data-dir>-revisions`.
 */
function revisionsDirOf(dataDir: string, configured: string | null): string {
  const dir = configured ?? `${dataDir}-revisions`;
  if (isInside(dir, dataDir) || isInside(dataDir, dir)) {
    throw new CutoverError(ErrorCode.InvalidConfig, `isolation.revisionsDir ${dir} must be outside the data dir ${dataDir} (and not contain it): deployer code reads its revision there, and must reach nothing of the data dir`, { context: { field: 'isolation.revisionsDir' } });
  }
  return dir;
}

/**
 * CUTOVER_ROUTER_LAYOUT: `shared` (the default, one router for every
 * service of the data dir; README, "One router for every service") or
 * `per-service` (a router per service).
 */
function builtinRouterLayout(): (typeof ROUTER_LAYOUTS)[number] {
  const value = process.env.CUTOVER_ROUTER_LAYOUT || 'shared';
  if (!(ROUTER_LAYOUTS as readonly string[]).includes(value)) {
    throw new CutoverError(ErrorCode.InvalidConfig, `CUTOVER_ROUTER_LAYOUT must be one of ${ROUTER_LAYOUTS.join(', ')}, not "${value.slice(0, 100)}"; unset it for one router for every service.`);
  }
  return value as (typeof ROUTER_LAYOUTS)[number];
}
