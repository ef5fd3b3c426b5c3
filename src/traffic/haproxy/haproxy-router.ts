import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createOnce } from '../../core/create-once.ts';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import { KeyedLock } from '../../core/keyed-lock.ts';
import { freePort } from '../../core/net.ts';
import type { Logger } from '../../monitoring/logger.ts';
import type { RequestSamples, RouterConfig, RouterStats } from '../../router/wire.ts';
import type { TrafficConfig, TrafficRouter } from '../traffic-router.ts';
import { LOG_SHARE_ALL, LOG_VIA, logShareCommand, mapEntries, planLayout, renderConfig, renderMapFile, routePatterns, runtimeCommands, shapeOf, slotServer, WEIGHTED_BACKEND, type HaproxyPorts, type Layout } from './config-file.ts';
import { allWorkers, reloadHaproxy, runningMaster, startHaproxy, stopHaproxy, type HaproxyInstance } from './haproxy-process.ts';
import { LogStream } from './log-stream.ts';
import { IDLE_LOG_LINES_PER_SECOND, LOG_LINES_PER_SECOND, MIN_IDLE_LOG_SHARE, MIN_LOG_SHARE, nextLogShare } from './log-share.ts';
import { pickRef, type ServiceRef } from '../../core/types.ts';
import { findMarked } from '../../platforms/index.ts';
import { parseShowStat, runtimeCommand, runtimeCommandPatiently, tunnelsTo, type ServerStat } from './runtime-api.ts';

/** Unix socket paths longer than this do not fit in sockaddr_un. */
const MAX_SOCKET_PATH = 107;
/** Runtime API commands sent per connection (HAProxy reads a bounded command line). */
const COMMANDS_PER_CALL = 40;
/** How often each service's request rate is read from its lines to choose the share of answers HAProxy logs. */
const LOG_SHARE_EVERY_MS = 1000;
/**
 * How long a read of a service's samples or counters keeps its HAProxy
 * logging at the judged share: the comparative judge reads every second by
 * default, a router-counter analysis every 5 s. A judge that reads less often
 * gets the idle share in between, still a uniform draw, only fewer samples.
 */
const JUDGED_HOLD_MS = 15_000;

/** What cutover last made a service's HAProxy serve (`applied.json`), so a restarted control plane knows it. */
interface Applied {
  config: RouterConfig;
  layout: Layout;
  ports: HaproxyPorts;
}

/**
 * HAProxy as a traffic router: one HAProxy (master-worker) per service,
 * started detached so it outlives the control plane, configured from the
 * same router config as the built-in router. A deployment changes HAProxy
 * only through its runtime API (instances fill fixed slots, weights, the
 * revision map: see config-file.ts), never by a reload; a new port or new
 * health-check settings rewrite haproxy.cfg and reload it. Each
 * request's log line comes back over TCP (log-stream.ts) for the counters and
 * the comparative judge's samples; HAProxy's own Prometheus endpoint listens
 * on 127.0.0.1 (`metricsPort` in `<data-dir>/haproxy/<service>/applied.json`).
 */
export class HaproxyTrafficRouter implements TrafficRouter {
  readonly type = 'haproxy';
  private readonly processLock = new KeyedLock();
  private readonly stream: LogStream;
  private listening: Promise<number> | undefined;
  /** The share of answers each service's HAProxy was last told to log (written into its map file too). */
  private readonly logShares = new Map<string, number>();
  private shareTimer: NodeJS.Timeout | undefined;
  private sharing = false;
  /** One change of a service's share at a time: the second's adjustment and a judge starting to read. */
  private readonly shareLock = new KeyedLock();
  /** Per service: until when it counts as judged (performance.now()), extended by every read of its samples or counters. */
  private readonly judgedUntil = new Map<string, number>();
  /** Per service: the latest request rate read from its lines and the share they carried. */
  private readonly lastRate = new Map<string, { requestsPerSecond: number; share: number }>();

  constructor(
    private readonly dataDir: string,
    private readonly log: Logger,
    /** Log lines per second per service while it is judged, above which HAProxy logs a share of its answers (log-share.ts; a test lowers it). */
    private readonly logLinesPerSecond = LOG_LINES_PER_SECOND,
    /** The same while nobody reads the service's samples or counters (log-share.ts). */
    private readonly idleLogLinesPerSecond = IDLE_LOG_LINES_PER_SECOND,
  ) {
    this.stream = new LogStream(loadOrCreateKey(join(dataDir, 'haproxy-log-key')), log);
  }

  /** The TCP port HAProxy logs to: the one of last time when it is free, so running HAProxies need no reload. */
  private logPort(): Promise<number> {
    this.listening ??= (async () => {
      const file = join(this.dataDir, 'haproxy-log-port');
      const previous = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : 0;
      const port = await this.stream.listen(previous).catch(() => this.stream.listen(0));
      writeFileSync(file, `${port}\n`, { mode: 0o600 });
      this.shareTimer = setInterval(() => void this.adjustLogShares(), LOG_SHARE_EVERY_MS);
      this.shareTimer.unref();
      return port;
    })();
    return this.listening;
  }

  /**
   * Each second, per service that sent lines: the share of answers its
   * HAProxy logs, from the request rate (log-share.ts) and whether anyone
   * reads its samples or counters (judged: about 1,000 lines a second;
   * idle: about 50), changed by `set var` when it should differ from the
   * share the latest line carried (so a HAProxy left sampling by an earlier
   * control plane is corrected too). A failure is only logged: the next
   * second tries again.
   */
  private async adjustLogShares(): Promise<void> {
    if (this.sharing) return;
    this.sharing = true;
    try {
      for (const service of this.stream.servicesWithLines()) {
        const rate = this.stream.takeRate(service);
        if (!rate) continue;
        this.lastRate.set(service, rate);
        await this.shareLock.run(service, async () => {
          const next = this.judged(service)
            ? nextLogShare(rate.share, rate.requestsPerSecond, this.logLinesPerSecond, MIN_LOG_SHARE)
            : nextLogShare(rate.share, rate.requestsPerSecond, this.idleLogLinesPerSecond, MIN_IDLE_LOG_SHARE);
          if (next !== rate.share) await this.setLogShare(service, next, rate.requestsPerSecond);
        });
      }
    } finally {
      this.sharing = false;
    }
  }

  private judged(service: string): boolean {
    return (this.judgedUntil.get(service) ?? 0) > performance.now();
  }

  /**
   * A read of a service's samples or counters: someone judges it (or looks).
   * When it was idle, its HAProxy gets the judged share now, before the
   * read is answered, so a judge's first batch already has every sample
   * the rate allows, rather than after the next second's adjustment.
   */
  private async judging(service: string): Promise<void> {
    const wasJudged = this.judged(service);
    this.judgedUntil.set(service, performance.now() + JUDGED_HOLD_MS);
    if (wasJudged) return;
    await this.shareLock.run(service, async () => {
      const last = this.lastRate.get(service);
      const current = this.logShares.get(service) ?? last?.share ?? LOG_SHARE_ALL;
      // From scratch (NaN): the judged share for the rate, without the hysteresis that holds a share while it runs.
      const next = nextLogShare(NaN, last?.requestsPerSecond ?? 0, this.logLinesPerSecond, MIN_LOG_SHARE);
      if (next > current) await this.setLogShare(service, next, last?.requestsPerSecond ?? 0);
    });
  }

  private async setLogShare(service: string, share: number, requestsPerSecond: number): Promise<void> {
    this.logShares.set(service, share);
    const instance = this.instance(service);
    await runtimeCommand(instance.paths.adminSocket, logShareCommand(share)).then(
      (answer) => {
        // `set var` says nothing when it worked.
        if (answer.trim()) this.log.warn({ service, err: answer.trim().slice(0, 300) }, 'could not change the share of answers HAProxy logs');
        else this.log.debug({ service, share: `${share}/${LOG_SHARE_ALL}`, requestsPerSecond: Math.round(requestsPerSecond), judged: this.judged(service) }, 'HAProxy logs another share of answers');
      },
      (error: unknown) => this.log.warn({ service, err: messageOf(error) }, 'could not change the share of answers HAProxy logs'),
    );
  }

  private instance(service: string): HaproxyInstance {
    const dir = join(this.dataDir, 'haproxy', service);
    const paths = { adminSocket: join(dir, 'admin.sock'), masterSocket: join(dir, 'master.sock'), pidFile: join(dir, 'haproxy.pid'), mapFile: join(dir, 'revisions.map'), routeAclFile: join(dir, 'route.acl') };
    if (paths.masterSocket.length > MAX_SOCKET_PATH) {
      throw new CutoverError(ErrorCode.InvalidConfig, `the data dir's path is too long for HAProxy's sockets (${paths.masterSocket} has more than ${MAX_SOCKET_PATH} characters); use a shorter --data-dir`, {
        context: { service },
      });
    }
    return { service, configFile: join(dir, 'haproxy.cfg'), logFile: join(dir, 'haproxy.log'), paths, marks: { CUTOVER_DATA_DIR: this.dataDir, CUTOVER_HAPROXY: service } };
  }

  private appliedFile(service: string): string {
    return join(this.dataDir, 'haproxy', service, 'applied.json');
  }

  private readApplied(service: string): Applied | undefined {
    try {
      return JSON.parse(readFileSync(this.appliedFile(service), 'utf8')) as Applied;
    } catch {
      return undefined;
    }
  }

  /**
   * HAProxy knows a service by one name, `service.environment` (neither
   * holds a dot), used for its folder, process mark, config and log lines;
   * the methods below translate at the boundary.
   */
  apply(input: TrafficConfig): Promise<void> {
    const config = { ...input, service: haproxyName(input) };
    return this.processLock.run(config.service, async () => {
      let lastError: unknown;
      for (let attempt = 0; attempt < 4; attempt++) {
        try {
          await this.applyOnce(config);
          return;
        } catch (error) {
          lastError = error;
          if (error instanceof CutoverError && !error.retryable) throw error;
          this.log.warn({ service: config.service, attempt, err: messageOf(error) }, 'HAProxy config failed; retrying');
          await sleep(100 * 3 ** attempt);
        }
      }
      throw new CutoverError(ErrorCode.RouterUnavailable, `could not configure HAProxy for ${config.service}: ${messageOf(lastError)}`, {
        context: { service: config.service },
        cause: lastError,
        retryable: true,
      });
    });
  }

  private async applyOnce(input: TrafficConfig): Promise<void> {
    const { service } = input;
    if (input.mirror) {
      throw new CutoverError(
        ErrorCode.InvalidConfig,
        `the HAProxy driver cannot mirror requests (setMirrorRoute): HAProxy 2.6 mirrors only through an external SPOE agent; serve ${service} with the built-in router (traffic: { router: builtin }) for a dark launch, or remove the setMirrorRoute step`,
        { context: { service } },
      );
    }
    const instance = this.instance(service);
    this.stream.statsOf(service);
    const previous = this.readApplied(service);
    const ports: HaproxyPorts = { logPort: await this.logPort(), logVia: LOG_VIA, logKey: this.stream.key, metricsPort: previous?.ports.metricsPort ?? (await freePort()) };
    const config: RouterConfig = { ...input, generation: (previous?.config.generation ?? 0) + 1 };
    const layout = planLayout(config, previous?.layout);
    const next: Applied = { config, layout, ports };
    this.stream.learn(service, config.backends);
    this.writeFiles(instance, next);
    const pid = runningMaster(instance);
    if (pid === null) {
      const started = await startHaproxy(instance);
      this.log.info({ service, pid: started, metricsPort: ports.metricsPort }, 'HAProxy started');
    } else if (!previous || shapeOf(previous.config, previous.layout, previous.ports) !== shapeOf(config, layout, ports)) {
      await reloadHaproxy(instance);
      this.log.info({ service, pid }, 'HAProxy reloaded');
    } else {
      await this.run(instance, runtimeCommands(previous, next, instance.paths));
    }
    writeAtomically(this.appliedFile(service), `${JSON.stringify(next)}\n`);
  }

  /** Sends runtime API commands in batches; an answer that reports a failure is an error (retried: the next apply starts over). */
  private async run(instance: HaproxyInstance, commands: string[]): Promise<void> {
    for (let i = 0; i < commands.length; i += COMMANDS_PER_CALL) {
      const answer = await runtimeCommand(instance.paths.adminSocket, commands.slice(i, i + COMMANDS_PER_CALL).join(';'));
      const failure = answer.split('\n').find((line) => /no such|unknown|require|invalid|can't|cannot|error|failed/i.test(line));
      if (failure) throw new CutoverError(ErrorCode.RouterUnavailable, `HAProxy for ${instance.service} refused a runtime change: ${failure.trim().slice(0, 300)}`, { retryable: true });
    }
  }

  /** haproxy.cfg, the revision map and the header route's pattern, each replaced atomically, so a crash leaves the old or the new file, never half of one. */
  private writeFiles(instance: HaproxyInstance, applied: Applied): void {
    mkdirSync(join(this.dataDir, 'haproxy', instance.service), { recursive: true, mode: 0o700 });
    writeAtomically(instance.paths.mapFile, renderMapFile(mapEntries(applied.config, applied.layout)));
    writeAtomically(instance.paths.routeAclFile, routePatterns(applied.config).map((pattern) => `${pattern}\n`).join(''));
    writeAtomically(instance.configFile, renderConfig(applied.config, applied.layout, applied.ports, instance.paths, this.logShares.get(instance.service) ?? LOG_SHARE_ALL));
  }

  /** HAProxy serves what was applied once its master runs and its worker answers: applies are confirmed by the runtime API before they are recorded. */
  serving(ref: ServiceRef): Promise<string | null> {
    return this.servingOf(haproxyName(ref));
  }

  drain(ref: ServiceRef, instanceId: string, timeoutMs: number): Promise<{ drained: boolean; inFlight: number }> {
    return this.drainOf(haproxyName(ref), instanceId, timeoutMs);
  }

  async stats(ref: ServiceRef): Promise<RouterStats> {
    return { ...(await this.statsOf(haproxyName(ref))), ...pickRef(ref) };
  }

  samples(ref: ServiceRef, after: number): Promise<RequestSamples> {
    return this.samplesOf(haproxyName(ref), after);
  }

  async supervise(refs: ServiceRef[]): Promise<ServiceRef[]> {
    const restarted = new Set(await this.superviseOf(refs.map(haproxyName)));
    return refs.filter((ref) => restarted.has(haproxyName(ref))).map(pickRef);
  }

  remove(ref: ServiceRef): Promise<void> {
    return this.removeOf(haproxyName(ref));
  }

  private async servingOf(service: string): Promise<string | null> {
    if (!this.readApplied(service)) return `service ${service} has no HAProxy config`;
    const instance = this.instance(service);
    if (runningMaster(instance) === null) return `HAProxy for ${service} is not running`;
    const answers = await runtimeCommand(instance.paths.adminSocket, 'show info').then(() => true, () => false);
    return answers ? null : `HAProxy for ${service} does not answer on its runtime API (${instance.paths.adminSocket})`;
  }

  private async drainOf(service: string, instanceId: string, timeoutMs: number): Promise<{ drained: boolean; inFlight: number }> {
    const applied = this.readApplied(service);
    const backend = applied?.config.backends.find((b) => b.id === instanceId);
    const instance = this.instance(service);
    if (!backend || runningMaster(instance) === null) return { drained: true, inFlight: 0 };
    const slot = applied!.layout.slotOf[backend.id];
    if (slot === undefined) return { drained: true, inFlight: 0 };
    const name = slotServer(slot);
    const deadline = Date.now() + timeoutMs;
    let inFlight = 0;
    for (;;) {
      // Old workers (before a reload) may still be answering requests to it: every worker counts.
      inFlight = 0;
      for (const pid of await allWorkers(instance)) {
        const stats = parseShowStat(await runtimeCommandPatiently(instance.paths.masterSocket, `@!${pid} show stat`).catch(() => ''));
        inFlight += stats.filter((stat) => stat.server === name).reduce((sum, stat) => sum + stat.current, 0);
      }
      if (inFlight === 0) return { drained: true, inFlight };
      if (Date.now() >= deadline) {
        await this.cutTunnels(instance, name);
        return { drained: false, inFlight };
      }
      await sleep(Math.min(100, Math.max(0, deadline - Date.now())));
    }
  }

  /**
   * At the end of drainTimeout, the WebSockets (and other upgraded
   * connections) still open on the instance are cut, in every worker: they
   * never end by themselves. Requests still being answered are left to the
   * instance's own shutdown, as behind the built-in router. The built-in
   * router closes a tunnel with a close frame (1001); HAProxy relays it
   * without reading its frames, so it can only close the connection (the
   * client sees 1006).
   */
  private async cutTunnels(instance: HaproxyInstance, server: string): Promise<void> {
    for (const pid of await allWorkers(instance)) {
      try {
        const streams = tunnelsTo(await runtimeCommandPatiently(instance.paths.masterSocket, `@!${pid} show sess all`), server);
        for (let i = 0; i < streams.length; i += COMMANDS_PER_CALL) {
          await runtimeCommand(instance.paths.masterSocket, streams.slice(i, i + COMMANDS_PER_CALL).map((stream) => `@!${pid} shutdown session ${stream}`).join(';'));
        }
      } catch (error) {
        this.log.warn({ service: instance.service, server, pid, err: messageOf(error) }, 'could not close the WebSockets left on a drained instance');
      }
    }
  }

  private async statsOf(service: string): Promise<RouterStats> {
    const applied = this.readApplied(service);
    if (!applied) throw new CutoverError(ErrorCode.NotFound, `service ${service} has no HAProxy`, { context: { service } });
    await this.judging(service);
    const servers = parseShowStat(await runtimeCommand(this.instance(service).paths.adminSocket, 'show stat'));
    const backends: RouterStats['backends'] = {};
    for (const backend of applied.config.backends) {
      const slot = applied.layout.slotOf[backend.id];
      const mine = servers.filter((stat: ServerStat) => slot !== undefined && stat.server === slotServer(slot));
      const weighted = mine.find((stat) => stat.backend === WEIGHTED_BACKEND);
      backends[backend.id] = {
        inFlight: mine.reduce((sum, stat) => sum + stat.current, 0),
        healthy: weighted ? !weighted.status.startsWith('DOWN') : true,
        requests: mine.reduce((sum, stat) => sum + stat.total, 0),
      };
    }
    return { service, generation: applied.config.generation, revisions: this.stream.snapshot(service), backends };
  }

  private async samplesOf(service: string, after: number): Promise<RequestSamples> {
    await this.logPort();
    if (this.readApplied(service)) await this.judging(service);
    return this.stream.statsOf(service).samples.after(after);
  }

  private async superviseOf(services: string[]): Promise<string[]> {
    const restarted: string[] = [];
    if (services.length === 0) return restarted;
    const logPort = await this.logPort();
    for (const service of services) {
      await this.processLock.run(service, async () => {
        const applied = this.readApplied(service);
        if (!applied) return;
        const instance = this.instance(service);
        this.stream.statsOf(service);
        this.stream.learn(service, applied.config.backends);
        const running = runningMaster(instance) !== null;
        // Log lines must reach this control plane: after a restart that had to pick another port, rewrite the configs.
        const stale = applied.ports.logPort !== logPort || applied.ports.logKey !== this.stream.key || applied.ports.logVia !== LOG_VIA;
        if (running && !stale) return;
        try {
          const next: Applied = { ...applied, ports: { ...applied.ports, logPort, logVia: LOG_VIA, logKey: this.stream.key } };
          this.writeFiles(instance, next);
          if (running) await reloadHaproxy(instance);
          else await startHaproxy(instance);
          writeAtomically(this.appliedFile(service), `${JSON.stringify(next)}\n`);
          if (!running) restarted.push(service);
        } catch (error) {
          this.log.error({ service, err: messageOf(error) }, 'HAProxy restart failed');
        }
      });
    }
    return restarted;
  }

  async sweep(owned: () => ServiceRef[]): Promise<number> {
    const keep = (): Set<string> => new Set(owned().map(haproxyName));
    const names = new Set(findMarked({ CUTOVER_DATA_DIR: this.dataDir }).map(({ env }) => env.get('CUTOVER_HAPROXY')));
    let stopped = 0;
    for (const service of names) {
      if (service === undefined || keep().has(service)) continue;
      await this.processLock.run(service, async () => {
        // Asked again under the lock an apply takes: a service applied meanwhile keeps its HAProxy.
        const pid = runningMaster(this.instance(service));
        if (keep().has(service) || pid === null) return;
        this.log.warn({ service, pid }, 'stopping an HAProxy no service owns (left by a crash or a delete)');
        await stopHaproxy(pid);
        rmSync(this.appliedFile(service), { force: true });
        this.forget(service);
        stopped++;
      });
    }
    return stopped;
  }

  private removeOf(service: string): Promise<void> {
    return this.processLock.run(service, async () => {
      const pid = runningMaster(this.instance(service));
      if (pid !== null) await stopHaproxy(pid);
      rmSync(this.appliedFile(service), { force: true });
      this.forget(service);
    });
  }

  private forget(service: string): void {
    this.stream.forget(service);
    this.logShares.delete(service);
    this.judgedUntil.delete(service);
    this.lastRate.delete(service);
  }

  /** Stops reading log lines (HAProxy keeps running). */
  close(): void {
    clearInterval(this.shareTimer);
    this.stream.close();
  }
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, file);
}

/** Created once: replicas starting together on one data dir agree on the first one's key (see createOnce). */
function loadOrCreateKey(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  return createOnce(file, `${randomBytes(12).toString('hex')}\n`).trim();
}

/** The one name HAProxy knows a (service, environment) by: `hello.production`. */
function haproxyName(ref: ServiceRef): string {
  return `${ref.service}.${ref.environment}`;
}
