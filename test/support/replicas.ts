import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../src/core/net.ts';
import type { ControlPlaneView } from '../../src/api/control-plane-view.ts';
import { Cluster, runCli, waitFor, type CliResult } from './cluster.ts';

/** One `cutover server --replica` process. */
export interface ReplicaProcess {
  port: number;
  url: string;
  child: ChildProcess;
  log: string;
}

/**
 * Several `cutover server --replica` processes on one data dir and store,
 * driven through the real CLI and API. The store is SQLite in WAL mode
 * (several processes may write it) or, with `{ store: 'postgres' }`, a fresh
 * PostgreSQL database (gate the test with `requirePostgres`). The Cluster
 * gives the data dir, the processes started for it, and `destroy`, which
 * stops every one of them even after kills, and drops the database.
 */
export class ReplicaSet {
  readonly cluster = new Cluster();
  readonly replicas: ReplicaProcess[] = [];

  private readonly options: { store?: 'sqlite' | 'postgres' };
  private storeReady = false;

  constructor(options: { store?: 'sqlite' | 'postgres' } = {}) {
    this.options = options;
  }

  /** Creates the PostgreSQL database on first use (not in the constructor: a gated-off test must not reach PostgreSQL). */
  private prepareStore(): void {
    if (this.storeReady) return;
    this.storeReady = true;
    if (this.options.store === 'postgres') this.cluster.usePostgres();
  }

  /** Starts `count` replicas; the first alone, so it creates and migrates the store before the others open it. */
  async start(count: number): Promise<void> {
    for (let i = 0; i < count; i++) await this.add();
    // The first replica leads once it has claimed the lease.
    await waitFor('a leader', async () => (await this.controlPlane(this.replicas[0]!)).leader?.live);
  }

  /** Starts `count` replicas at the same instant, on a store and data dir none has opened yet. */
  async startAtOnce(count: number): Promise<ReplicaProcess[]> {
    return await Promise.all(Array.from({ length: count }, () => this.add()));
  }

  async add(): Promise<ReplicaProcess> {
    this.prepareStore();
    const port = await freePort();
    const args = ['server', '--replica', '--data-dir', this.cluster.dataDir, '--port', String(port), '--log-level', 'debug', ...this.cluster.serverArgs];
    const child = spawn(process.execPath, [this.cluster.cliEntry, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CUTOVER_LOG_LEVEL: 'debug' },
    });
    const replica: ReplicaProcess = { port, url: `http://127.0.0.1:${port}`, child, log: '' };
    child.stdout!.on('data', (chunk: Buffer) => (replica.log += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (replica.log += chunk.toString()));
    this.replicas.push(replica);
    await waitFor(`replica ${this.replicas.length} to answer /healthz`, async () => {
      if (child.exitCode !== null) throw new Error(`the replica exited with ${child.exitCode}: ${replica.log}`);
      return (await fetch(`${replica.url}/healthz`)).ok;
    });
    return replica;
  }

  async controlPlane(replica: ReplicaProcess): Promise<ControlPlaneView> {
    const response = await fetch(`${replica.url}/v1/control-plane`, { headers: { authorization: `Bearer ${this.cluster.token}` } });
    if (!response.ok) throw new Error(`GET /v1/control-plane on ${replica.url}: HTTP ${response.status}`);
    return (await response.json()) as ControlPlaneView;
  }

  /** The replica that leads now, as `asking` (any live replica) reads it from the store. */
  async leader(asking?: ReplicaProcess): Promise<ReplicaProcess> {
    const view = await this.controlPlane(asking ?? this.alive()[0]!);
    const leader = this.replicas.find((r) => view.leader?.live && r.url === view.leader.url);
    if (!leader) throw new Error(`no live leader: ${JSON.stringify(view)}`);
    return leader;
  }

  alive(): ReplicaProcess[] {
    return this.replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
  }

  /** The real CLI against one replica. */
  cli(replica: ReplicaProcess, ...args: string[]): Promise<CliResult> {
    return runCli(args, { CUTOVER_SERVER: replica.url, CUTOVER_DATA_DIR: this.cluster.dataDir });
  }

  async kill(replica: ReplicaProcess, signal: NodeJS.Signals): Promise<void> {
    const exited = new Promise((resolve) => replica.child.once('exit', resolve));
    replica.child.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await exited;
  }

  /** All replicas' logs, for assertion messages. */
  logs(): string {
    return this.replicas.map((r, i) => `--- replica ${i} (${r.url})\n${r.log}`).join('\n');
  }

  async destroy(): Promise<void> {
    try {
      for (const replica of this.alive()) {
        replica.child.kill('SIGCONT');
        await this.kill(replica, 'SIGTERM').catch(() => undefined);
      }
    } finally {
      await this.cluster.destroy();
    }
  }
}
