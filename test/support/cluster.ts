import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import type { StatusView } from '../../src/api/views.ts';
import { PROJECT_ROOT, Program, programFile } from '../../src/core/entry.ts';
import { freePort } from '../../src/core/net.ts';
import { MARK_VARIABLE, findMarked, isProcessAlive, outermost, signalGroup } from '../../src/platforms/index.ts';
import { freshPostgresDatabase } from './postgres.ts';

export const HELLO_DIR = join(PROJECT_ROOT, 'examples/hello');

/**
 * The compiled CLI, as users run it: the integration tests run dist/, which
 * their global setup (test/support/build.ts) rebuilds when src/ changed.
 */
export const CLI_ENTRY = programFile(Program.cli, 'dist');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (`dist/cli/main.js`, or another build's `entry`) as a process. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000, entry = CLI_ENTRY): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], {
      env: { ...process.env, ...env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cutover ${args.join(' ')} did not finish in ${timeoutMs}ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** Polls until `check` returns a truthy value; fails with `what` after a generous deadline. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 60_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/**
 * A real control plane (`cutover server` as its own process) in a temporary
 * data dir, and everything needed to drive it through the real CLI. `destroy`
 * stops every process it or the server started (found by the data dir mark
 * in their environment), even after a SIGKILL of the server.
 */
export class Cluster {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'cutover-test-'));
  server: ChildProcess | null = null;
  port = 0;
  /** Extra arguments for `cutover server` (e.g. --config). */
  serverArgs: string[] = [];
  /** Extra environment for `cutover server` (e.g. CUTOVER_ROUTER_LAYOUT), kept across restarts unless changed. */
  serverEnv: Record<string, string> = {};
  /** The CLI the server and `cli()` run: this checkout's dist/, or an older release's (upgrade tests). */
  cliEntry = CLI_ENTRY;
  private serverLog = '';
  /** The fresh PostgreSQL database of `usePostgres`, dropped by `destroy`. */
  private database: ReturnType<typeof freshPostgresDatabase> | null = null;

  /**
   * Keeps the state in a new, empty PostgreSQL database (`--store
   * postgres://…`) instead of <data-dir>/cutover.db; `destroy` drops it
   * WITH (FORCE), even after the test failed or killed the server. Call it
   * before `start`, from a test gated by `requirePostgres` (under CI=true an
   * unreachable PostgreSQL fails the test here). Returns the URL.
   */
  usePostgres(): string {
    this.database ??= freshPostgresDatabase();
    this.serverArgs.push('--store', this.database.url);
    return this.database.url;
  }

  /** `sqlite`, or the PostgreSQL URL of `usePostgres`. */
  get store(): string {
    return this.database?.url ?? 'sqlite';
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get env(): Record<string, string> {
    return { CUTOVER_SERVER: this.url, CUTOVER_DATA_DIR: this.dataDir, CUTOVER_TOKEN: '' };
  }

  get token(): string {
    return readFileSync(join(this.dataDir, 'admin-token'), 'utf8').trim();
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const child = spawn(process.execPath, [this.cliEntry, 'server', '--data-dir', this.dataDir, '--port', String(this.port), '--log-level', 'debug', ...this.serverArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.serverEnv, CUTOVER_LOG_LEVEL: 'debug' },
    });
    child.stdout!.on('data', (chunk: Buffer) => (this.serverLog += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.serverLog += chunk.toString()));
    this.server = child;
    await waitFor('the server to answer /healthz', async () => {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}: ${this.serverLog}`);
      return (await fetch(`${this.url}/healthz`)).ok;
    }, 60_000);
  }

  /** The server's log so far (for assertion messages). */
  log(): string {
    return this.serverLog;
  }

  /** Stops the server with `signal`, and with SIGKILL if it still runs after `graceMs`. */
  async stopServer(signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<void> {
    const child = this.server;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    this.server = null;
  }

  cli(...args: string[]): Promise<CliResult> {
    // CUTOVER_TOKEN is read from the data dir's token file unless set.
    return runCli(args, { CUTOVER_SERVER: this.url, CUTOVER_DATA_DIR: this.dataDir }, undefined, this.cliEntry);
  }

  async api<T = unknown>(method: string, path: string, body?: unknown, token = this.token): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** The status of a service in `environment`, or in the one environment it is in. */
  async status(service: string, environment?: string): Promise<StatusView> {
    if (environment === undefined) {
      const { body } = await this.api<{ services: StatusView[] }>('GET', `/v1/services?name=${encodeURIComponent(service)}`);
      const found = body.services.map((s) => s.environment);
      if (found.length !== 1) throw new Error(`status of ${service}: it is in ${found.length} environments (${found.join(', ')}); name one`);
      environment = found[0]!;
    }
    const { status, body } = await this.api<StatusView>('GET', `/v1/environments/${environment}/services/${service}`);
    if (status !== 200) throw new Error(`status of ${service} in ${environment}: HTTP ${status} ${JSON.stringify(body)}`);
    return body;
  }

  /** Writes a spec for examples/hello into the data dir's parent temp folder and returns its path. */
  writeSpec(name: string, spec: Record<string, unknown>, file = `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}.yaml`): string {
    const path = join(this.dataDir, '..', `${this.dataDir.split('/').pop()}-${file}`);
    writeFileSync(
      path,
      stringify({ apiVersion: 'cutover/v1', kind: 'Service', metadata: { name }, spec: { artifact: { path: HELLO_DIR }, run: { command: ['node', 'server.js'] }, ...spec } }),
    );
    this.specFiles.push(path);
    return path;
  }

  private readonly specFiles: string[] = [];

  /** Where the server unpacks revisions (the default, outside the data dir). */
  get revisionsDir(): string {
    return `${this.dataDir}-revisions`;
  }

  /** The opaque mark the server gives its instances (in the data dir once the server started). */
  get mark(): string | null {
    const file = join(this.dataDir, 'instance-mark');
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
  }

  /** Processes started for this cluster's data dir that are running now: routers by the data dir, instances by the server's mark. */
  processes(): { pid: number; instance?: string; router?: string }[] {
    const routers = findMarked({ CUTOVER_DATA_DIR: this.dataDir }).map(({ pid, env }) => ({
      pid,
      // A service's data plane: the built-in router, or HAProxy (its master and workers).
      ...(env.get('CUTOVER_ROUTER') ?? env.get('CUTOVER_HAPROXY') ? { router: (env.get('CUTOVER_ROUTER') ?? env.get('CUTOVER_HAPROXY'))! } : {}),
    }));
    const mark = this.mark;
    const instances = mark ? outermost(findMarked({ [MARK_VARIABLE]: mark })).map(({ pid, env }) => ({ pid, instance: env.get('CUTOVER_INSTANCE')! })) : [];
    return [...routers, ...instances];
  }

  /**
   * Stops the server and its routers as an operator would, with SIGTERM (so
   * they also write their coverage under `npm run coverage`), then kills the
   * instances and whatever did not stop within a few seconds.
   */
  async destroy(): Promise<void> {
    try {
      await this.stopProcesses();
    } finally {
      this.database?.drop();
      this.database = null;
    }
  }

  private async stopProcesses(): Promise<void> {
    await this.stopServer('SIGTERM', 10_000).catch(() => undefined);
    for (const { pid, router } of this.processes()) signalGroup(pid, router ? 'SIGTERM' : 'SIGKILL');
    await waitFor('the routers to stop', () => this.processes().every(({ pid, router }) => !router || !isProcessAlive(pid)), 5_000).catch(() => undefined);
    for (const { pid } of this.processes()) signalGroup(pid, 'SIGKILL');
    await waitFor('every process of the test to exit', () => this.processes().every(({ pid }) => !isProcessAlive(pid)), 20_000).catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
    rmSync(this.revisionsDir, { recursive: true, force: true });
    for (const file of this.specFiles) rmSync(file, { force: true });
  }
}

/** A hello spec with quick health checks, for tests. */
export function helloSpec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    environment: 'development',
    version: '1.0.0',
    instances: 3,
    healthCheck: { path: '/healthz', interval: '500ms', timeout: '1s', healthyThreshold: 1, unhealthyThreshold: 3, startupTimeout: '20s' },
    drainTimeout: '10s',
    progressDeadline: '2m',
    ...overrides,
  };
}
