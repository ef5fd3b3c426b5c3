import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createOnce } from '../../core/create-once.ts';
import { nodeArgsFor, Program } from '../../core/entry.ts';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import { freePort } from '../../core/net.ts';
import { pickRef, serviceKey, type ServiceRef } from '../../core/types.ts';
import { findMarked, isProcessAlive, signalGroup } from '../../platforms/index.ts';
import type { Logger } from '../../monitoring/logger.ts';
import type { Store } from '../../store/index.ts';
import type { RouterAdminClient } from './client.ts';
import { BuiltinTrafficRouter, metricsTokenPath, readTail, ROUTER_HOST_MARK, stopGroup } from './builtin-router.ts';
import { loadOrCreateToken } from './router-tokens.ts';

/** The layouts of the built-in router a server can run (CUTOVER_ROUTER_LAYOUT). */
export const ROUTER_LAYOUTS = ['per-service', 'shared'] as const;
export type RouterLayout = (typeof ROUTER_LAYOUTS)[number];

/**
 * The built-in router in either layout (CUTOVER_ROUTER_LAYOUT):
 *
 * - `shared`, the default: one process set for every service of this data
 *   dir (`router --host <data-dir>/routers`, src/router/cluster/host.ts). A
 *   service is added to the host through the host's admin API (its token,
 *   `routers/host-token`, is the control plane's alone); from then on it is
 *   driven exactly as a router of its own: its admin port, its own token,
 *   its folder and state file at the same paths.
 * - `per-service`: a router process set per service (BuiltinTrafficRouter).
 *
 * The layout chooses where a service's router is STARTED. A service served
 * where the other layout put it (a data dir that switched layout, an
 * upgrade from a release with a router per service) is adopted where it is
 * and keeps serving, with no port changing hands: it moves when that router
 * stops (an operator's restart, a reboot, a crash), at the next start. The
 * sweep stops routers of their own no service owns, removes from the host
 * the services no record owns, and in the per-service layout stops a host
 * that serves nothing any more.
 */
export class SharedBuiltinTrafficRouter extends BuiltinTrafficRouter {
  constructor(
    dataDir: string,
    store: Store,
    log: Logger,
    private readonly layout: RouterLayout = 'shared',
  ) {
    super(dataDir, store, log);
  }

  private get hostDir(): string {
    return join(this.dataDir, 'routers');
  }

  /** The host's admin port, chosen once and kept beside it, so a restarted control plane finds it. */
  private hostPort(): Promise<number> {
    return this.processLock.run(ROUTER_HOST_MARK, async () => {
      const file = join(this.hostDir, 'host-port');
      if (existsSync(file)) {
        const port = Number(readFileSync(file, 'utf8').trim());
        if (Number.isInteger(port) && port > 0 && port <= 65535) return port;
      }
      const port = await freePort();
      mkdirSync(this.hostDir, { recursive: true, mode: 0o700 });
      // Replicas starting together on one data dir agree on the first one's port.
      const chosen = Number(createOnce(file, `${port}\n`).trim());
      if (Number.isInteger(chosen) && chosen > 0 && chosen <= 65535) return chosen;
      // What the file held was no port: it is replaced.
      writeFileSync(file, `${port}\n`, { mode: 0o600 });
      return port;
    });
  }

  private hostToken(): string {
    mkdirSync(this.hostDir, { recursive: true, mode: 0o700 });
    return loadOrCreateToken(join(this.hostDir, 'host-token'));
  }

  private hostPid(): number | null {
    return findMarked(this.marks(ROUTER_HOST_MARK))[0]?.pid ?? null;
  }

  /** The host's pid, starting it (on every service host.json lists) when it does not run. */
  private async ensureHost(): Promise<number> {
    const port = await this.hostPort();
    return this.processLock.run(`${ROUTER_HOST_MARK} process`, async () => {
      const running = this.hostPid();
      if (running !== null) return running;
      const token = this.hostToken();
      const log = openSync(join(this.hostDir, 'host.log'), 'a', 0o600);
      try {
        const child = spawn(
          process.execPath,
          [...nodeArgsFor(Program.router), '--host', this.hostDir, '--admin-port', String(port), '--token-file', join(this.hostDir, 'host-token'), '--metrics-token-file', metricsTokenPath(this.dataDir)],
          {
            detached: true,
            stdio: ['ignore', log, log],
            env: { PATH: process.env.PATH ?? '', ...(process.env.CUTOVER_ROUTER_WORKERS ? { CUTOVER_ROUTER_WORKERS: process.env.CUTOVER_ROUTER_WORKERS } : {}), ...this.marks(ROUTER_HOST_MARK) },
          },
        );
        const pid = await new Promise<number>((resolve, reject) => {
          child.once('spawn', () => resolve(child.pid!));
          child.once('error', reject);
        });
        child.unref();
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
          if ((await this.hostCall(port, token, 'GET', '/healthz').catch(() => null))?.ok) {
            this.log.info({ pid, adminPort: port }, 'router host started');
            return pid;
          }
          if (!isProcessAlive(pid)) break;
          await sleep(100);
        }
        signalGroup(pid, 'SIGKILL');
        throw new CutoverError(ErrorCode.RouterUnavailable, `the router host did not start; its log ends with: ${readTail(join(this.hostDir, 'host.log'))}`);
      } finally {
        closeSync(log);
      }
    });
  }

  private async hostCall(port: number, token: string, method: string, path: string, body?: unknown): Promise<{ ok: boolean; status: number; body: unknown }> {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { ok: response.ok, status: response.status, body: parsed };
  }

  /** Adds the service with this mark to the host (nothing happens when it is there on that admin port). */
  private async addToHost(mark: string, adminPort: number): Promise<void> {
    this.tokenOf(mark);
    const answer = await this.hostCall(await this.hostPort(), this.hostToken(), 'PUT', `/services/${mark}`, { adminPort });
    if (!answer.ok) {
      const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
      const code = error?.code === ErrorCode.PortInUse ? ErrorCode.PortInUse : ErrorCode.RouterUnavailable;
      throw new CutoverError(code, `the router host refused ${mark}: ${error?.message ?? `HTTP ${answer.status}`}`, { retryable: answer.status >= 500 });
    }
  }

  /** The service's router of its own (the per-service layout's), running now: adopted where it is in either layout. */
  private ownPid(ref: ServiceRef): number | null {
    return super.runningPid(ref);
  }

  /** The marks of the services the host serves now (none when it does not run). */
  private async hostServices(): Promise<string[]> {
    if (this.hostPid() === null) return [];
    const listed = await this.hostCall(await this.hostPort(), this.hostToken(), 'GET', '/services');
    if (!listed.ok) throw new CutoverError(ErrorCode.RouterUnavailable, `the router host did not list its services (HTTP ${listed.status}); try again`, { retryable: true });
    return ((listed.body as { services?: { key: string }[] } | undefined)?.services ?? []).map(({ key }) => key);
  }

  /**
   * A router of its own, else the host: in the shared layout the host serves
   * every service with a record; in the per-service layout only those the
   * record says it served (the services it had when the layout changed).
   */
  protected override runningPid(ref: ServiceRef): number | null {
    const own = this.ownPid(ref);
    if (own !== null) return own;
    const record = this.store.routers.get(ref);
    if (!record) return null;
    const host = this.hostPid();
    return this.layout === 'shared' || (host !== null && record.pid === host) ? host : null;
  }

  protected override async startUnlessRunning(ref: ServiceRef): Promise<RouterAdminClient> {
    const existing = this.store.routers.get(ref);
    // A router of its own keeps its service, in either layout: moving it would hand its port over under traffic.
    if (this.ownPid(ref) !== null) return super.startUnlessRunning(ref);
    if (this.layout === 'per-service') {
      const host = this.hostPid();
      if (existing && host !== null && (await this.hostServices()).includes(existing.mark)) {
        if (existing.pid !== host) this.store.routers.save({ ...existing, pid: host });
        return this.client(existing);
      }
      if (existing && existing.pid !== null && existing.pid === host) this.store.routers.save({ ...existing, pid: null });
      return super.startUnlessRunning(ref);
    }
    const pid = await this.ensureHost();
    const record = { ...pickRef(ref), mark: existing?.mark ?? serviceKey(ref), pid, adminPort: existing?.adminPort ?? (await freePort()), generation: existing?.generation ?? 0 };
    this.store.routers.save(record);
    await this.addToHost(record.mark, record.adminPort);
    return this.client(record);
  }

  override async supervise(refs: ServiceRef[]): Promise<ServiceRef[]> {
    // Routers of their own are supervised as in the per-service layout (their new pid recorded after a takeover).
    const own = refs.filter((ref) => this.store.routers.get(ref) && this.ownPid(ref) !== null);
    const restarted = await super.supervise(own);
    const others = refs.filter((ref) => !own.includes(ref) && this.store.routers.get(ref));
    if (others.length === 0) return restarted;
    if (this.layout === 'per-service') return [...restarted, ...(await this.superviseBesideHost(others))];
    let pid: number;
    try {
      pid = await this.ensureHost();
    } catch (error) {
      this.log.error({ err: messageOf(error) }, 'router host restart failed');
      return restarted;
    }
    for (const ref of others) {
      await this.processLock.run(serviceKey(ref), async () => {
        const current = this.store.routers.get(ref);
        if (!current || this.ownPid(ref) !== null) return;
        try {
          // A service the host lost (its list removed, or added while it was down, or its own router stopped) is added; otherwise nothing happens.
          await this.addToHost(current.mark, current.adminPort);
        } catch (error) {
          this.log.error({ ...pickRef(current), err: messageOf(error) }, 'could not add the service to the router host');
          return;
        }
        if (current.pid !== pid) {
          this.store.routers.save({ ...current, pid });
          restarted.push(pickRef(current));
        }
      });
    }
    return restarted;
  }

  /** Per-service layout: a service the host still serves stays there; any other gets a router of its own again. */
  private async superviseBesideHost(refs: ServiceRef[]): Promise<ServiceRef[]> {
    let onHost: Set<string>;
    try {
      onHost = new Set(await this.hostServices());
    } catch (error) {
      // Starting routers of their own now would race the host for their ports: next round.
      this.log.error({ err: messageOf(error) }, 'could not ask the router host which services it serves');
      return [];
    }
    const host = this.hostPid();
    const restarted: ServiceRef[] = [];
    const own: ServiceRef[] = [];
    for (const ref of refs) {
      const record = this.store.routers.get(ref)!;
      if (host !== null && onHost.has(record.mark)) {
        if (record.pid !== host) {
          this.store.routers.save({ ...record, pid: host });
          restarted.push(pickRef(ref));
        }
        continue;
      }
      if (record.pid !== null && record.pid === host) this.store.routers.save({ ...record, pid: null });
      own.push(ref);
    }
    return [...restarted, ...(await super.supervise(own))];
  }

  protected override async stopRouter(ref: ServiceRef): Promise<void> {
    const record = this.store.routers.get(ref);
    const own = this.ownPid(ref);
    if (own !== null) await stopGroup(own);
    if (record && this.hostPid() !== null) {
      const answer = await this.hostCall(await this.hostPort(), this.hostToken(), 'DELETE', `/services/${record.mark}`);
      if (!answer.ok) throw new CutoverError(ErrorCode.RouterUnavailable, `the router host did not remove ${record.mark} (HTTP ${answer.status}); try again`, { retryable: true });
    }
    this.store.routers.remove(ref);
  }

  override async sweep(owned: () => ServiceRef[]): Promise<number> {
    // Routers of their own no record owns first, then the services the host serves that no record owns.
    let stopped = await super.sweep(owned);
    if (this.hostPid() === null) return stopped;
    const port = await this.hostPort();
    for (const key of await this.hostServices()) {
      await this.processLock.run(key, async () => {
        const keep = new Set(owned().flatMap((ref) => [serviceKey(ref), this.store.routers.get(ref)?.mark ?? serviceKey(ref)]));
        if (keep.has(key)) return;
        this.log.warn({ router: key }, 'removing from the router host a service no record owns (left by a crash or a delete)');
        await this.hostCall(port, this.hostToken(), 'DELETE', `/services/${key}`);
        stopped++;
      });
    }
    if (this.layout === 'per-service') {
      // Left by the shared layout: once it serves nothing, nothing will be added to it again.
      await this.processLock.run(`${ROUTER_HOST_MARK} process`, async () => {
        const pid = this.hostPid();
        if (pid === null || (await this.hostServices()).length > 0) return;
        this.log.warn({ pid }, 'stopping the router host: it serves no service, and this server starts a router per service (CUTOVER_ROUTER_LAYOUT=per-service)');
        await stopGroup(pid);
        stopped++;
      });
    }
    return stopped;
  }
}
