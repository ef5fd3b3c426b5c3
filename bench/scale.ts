/**
 * `npm run bench:scale`: how far one control plane goes. Against a real
 * `cutover server` process on SQLite or PostgreSQL, with its environment on the simulated
 * platform (no instance process, no data plane), it deploys N services × 10
 * instances for N = 10, 100, 1,000, then keeps C = 1, 10, 100 deployments in
 * flight for a window while a reader asks for one service's status and for
 * the list of services. It prints API p50/p99 for status and list, engine
 * overhead per step (a step's time minus its own waiting), store rows
 * written per second, server RSS, and a growth table: each figure's ratio per
 * 10× services. A benchmark, not a test: it prints figures and asserts
 * nothing (test/bench-scale.test.ts runs a short seeded slice).
 *
 * BENCH_SERVICES=10,100 BENCH_CONCURRENCY=1,10 BENCH_WINDOW_S=5 for a short run;
 * BENCH_STORES=sqlite,sqlite-fsync-each (or postgres,postgres-fsync-each) for grouped commits against an fsync per commit;
 * BENCH_STORES=sqlite,postgres for both stores (a fresh PostgreSQL database per
 * server at BENCH_POSTGRES, dropped afterwards). The last lines say whether
 * each target of issue 15 is met, per store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { ApiClient, readSpecFile } from '../src/client/index.ts';
import { nodeArgsFor, Program, PROJECT_ROOT } from '../src/core/entry.ts';
import { freePort, isPortFree } from '../src/core/net.ts';
import { percentile } from '../src/load/index.ts';

/**
 * Which store a server of the bench runs on: SQLite with grouped commits
 * (the default), or with an fsync in every commit (`--sync-every-commit`,
 * what every commit did before grouped commits: the before/after in one run),
 * or PostgreSQL (`--store`: a fresh database at BENCH_POSTGRES, by default
 * postgres://postgres@127.0.0.1:5432/test, per server, dropped afterwards).
 */
export const BENCH_STORES = ['sqlite', 'sqlite-fsync-each', 'postgres', 'postgres-fsync-each'] as const;
export type BenchStore = (typeof BENCH_STORES)[number];

export interface ScaleOptions {
  /** @default ['sqlite'] */
  stores?: BenchStore[];
  services: number[];
  concurrency: number[];
  instances: number;
  /** How long each (services, concurrency) cell keeps deployments in flight, in ms. */
  windowMs: number;
  /** Print progress to stderr. */
  verbose?: boolean;
}

export interface ScaleRow {
  store: BenchStore;
  services: number;
  concurrency: number;
  /** Deployments started in the window and finished (all of them, after the drain). */
  deployments: number;
  succeeded: number;
  statusP50: number;
  statusP99: number;
  listP50: number;
  listP99: number;
  /** Requests the reader made of each kind. */
  reads: number;
  /** Engine time per step beyond the step's own waiting (pauses), ms. */
  stepP50: number;
  stepP99: number;
  steps: number;
  writesPerSecond: number;
  /**
   * Store statements run over the window per deployment finished (the
   * reader's requests and the supervision pass included): on PostgreSQL each
   * is a round trip the server's thread waits for, and the count does not
   * depend on the machine's load.
   */
  statementsPerDeploy: number;
  /** Statements one status request and one list request run, after the window: twenty requests between two scrapes, less a scrape's own, per request. */
  statusStatements: number;
  listStatements: number;
  /**
   * The server's CPU time (user + system) over the window, per second of
   * window (100 = one core) and per deployment: what the work costs, which
   * a loaded machine changes far less than it changes latencies.
   */
  cpuPercent: number;
  cpuMsPerDeploy: number;
  rssMb: number;
  /** Seconds to deploy the first revision of all N services (100 at a time). */
  populateSeconds: number;
}

const ENVIRONMENT = 'bench';
const PAUSE_MS = 1000;
/**
 * Where the services' ports start: above the kernel's ephemeral range when
 * there is room (no outgoing connection takes a port there, and the tests'
 * freePort draws below that range, so a machine running tests beside the
 * bench does not take them), else 30000.
 */
function basePort(services: number): number {
  try {
    const high = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[1]);
    if (Number.isInteger(high) && 65_535 - high >= services + 200) return high + 1;
  } catch {
    // Not Linux: the fixed start.
  }
  return 30_000;
}

interface EventRow {
  seq: number;
  deployment: number | null;
  service: string;
  type: string;
  at: number;
  data: { type: string; index?: number; pausedUntil?: number | null; phase?: string };
}

/** The PostgreSQL server a `postgres` store run makes its databases on (an admin URL: the database named there is only connected to). */
export const BENCH_POSTGRES = process.env.BENCH_POSTGRES ?? process.env.CUTOVER_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs one statement on BENCH_POSTGRES's database (CREATE/DROP DATABASE cannot run in a transaction, so one client per statement). */
async function postgresAdmin(sql: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: BENCH_POSTGRES, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query(sql);
  } catch (error) {
    throw new Error(`PostgreSQL at ${BENCH_POSTGRES.replace(/:[^:@/]*@/, ':***@')}: ${(error as Error).message} (the postgres store needs a server there, or BENCH_POSTGRES pointing at one)`, { cause: error });
  } finally {
    await client.end().catch(() => {});
  }
}

/** A new, empty database for one server of the bench; `drop` removes it, disconnecting whoever still uses it. */
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `cutover_bench_${randomBytes(6).toString('hex')}`;
  await postgresAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(BENCH_POSTGRES);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => postgresAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** A server process in its own temp data dir, with the bench environment on the simulated platform. */
async function startServer(store: BenchStore): Promise<{ url: string; token: string; child: ChildProcess; dataDir: string; stop(): Promise<void> }> {
  const database = store.startsWith('postgres') ? await freshDatabase() : null;
  const dataDir = mkdtempSync(join(tmpdir(), 'cutover-bench-scale-'));
  // A low rate per service: the simulated router's work is not what is measured.
  writeFileSync(join(dataDir, 'config.yaml'), stringify({ environments: { [ENVIRONMENT]: { extends: 'development', platform: 'simulated' } }, simulation: { requestsPerSecond: 5 } }));
  const port = await freePort();
  // BENCH_CPU_PROF=DIR: the server writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, ...nodeArgsFor(Program.cli, 'dist'), 'server', '--data-dir', dataDir, '--port', String(port), '--log-level', process.env.BENCH_LOG_LEVEL ?? 'error', ...(store.endsWith('-fsync-each') ? ['--sync-every-commit'] : []), ...(database ? ['--store', database.url] : [])], { stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(`${dataDir}-revisions`, { recursive: true, force: true });
    await database?.drop();
  };
  const deadline = Date.now() + 60_000;
  while (!(await fetch(`${url}/healthz`).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the ${store} server did not start (exit ${child.exitCode})`);
    }
    await sleep(100);
  }
  return {
    url,
    child,
    dataDir,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
    stop,
  };
}

/** CPU time the process has used (user + system), in ms: fields 14 and 15 of /proc/PID/stat, in clock ticks of 10 ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // After the command's closing parenthesis, field 3 (state) is at index 0: utime (14) is at 11, stime (15) at 12.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Runs every (services, concurrency) cell; one fresh server per number of services. */
export async function runScaleBench(options: ScaleOptions): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  const log = (message: string) => options.verbose && process.stderr.write(`bench:scale ${message}\n`);
  for (const store of options.stores ?? ['sqlite']) for (const services of options.services) {
    const server = await startServer(store);
    try {
      const client = new ApiClient({ server: server.url, token: server.token });
      const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
      // One artifact for every service: uploaded once, stored by digest.
      const specFile = join(server.dataDir, '..', `${server.dataDir.split('/').pop()}-spec.yaml`);
      writeFileSync(specFile, stringify({ apiVersion: 'cutover/v1', kind: 'Service', metadata: { name: 'template' }, spec: { environment: ENVIRONMENT, version: '1', artifact: { path: join(PROJECT_ROOT, 'examples/hello') }, run: { command: ['node', 'server.js'] }, port: basePort(1) } }));
      const read = await readSpecFile(specFile);
      rmSync(specFile, { force: true });
      const { digest } = await client.upload<{ digest: string }>('/v1/artifacts', read.data);
      // Admission refuses a port another process listens on, simulated platform or not: each service gets the next port free now, from basePort(services) up
      // (a fixed 30000 + i met ports the tests running beside it had taken, and the populate stopped there).
      const ports: number[] = [];
      for (let port = basePort(services); ports.length < services && port <= 65_535; port++) if (await isPortFree(port)) ports.push(port);
      if (ports.length < services) throw new Error(`only ${ports.length} free ports for ${services} services`);
      const versions = new Map<number, number>();
      const document = (i: number) => {
        const version = (versions.get(i) ?? 0) + 1;
        versions.set(i, version);
        return {
          apiVersion: 'cutover/v1', kind: 'Service', metadata: { name: `svc-${i}` },
          spec: {
            environment: ENVIRONMENT, version: `1.0.${version}`, artifact: { path: '.' },
            run: { command: ['node', 'server.js'], env: { CUTOVER_SIMULATED_START_MS: '0' } },
            instances: options.instances, port: ports[i],
            healthCheck: { path: '/healthz', interval: '1s', timeout: '1s', healthyThreshold: 1 },
            strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: `${PAUSE_MS}ms` } }] } },
            drainTimeout: '1s', progressDeadline: '10m',
          },
        };
      };

      // Every event, read in pages by one poller: how deployments are known to be finished, and what step timings come from.
      const events = new Map<number, EventRow[]>();
      const finished = new Map<number, string>();
      let after = 0;
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const page = await retried(() => fetch(`${server.url}/v1/events?after=${after}`, { headers }).then(async (r) => {
            if (!r.ok) throw new Error(`GET /v1/events: HTTP ${r.status} ${await r.text()}`);
            return (await r.json()) as { events: EventRow[] };
          }));
          for (const event of page.events) {
            after = Math.max(after, event.seq);
            if (event.deployment === null) continue;
            const list = events.get(event.deployment) ?? [];
            list.push(event);
            events.set(event.deployment, list);
            if (event.type === 'Finished') finished.set(event.deployment, event.data.phase ?? '');
          }
          if (page.events.length < 1000) await sleep(200);
        }
      })();
      let pollFailure: unknown;
      poller.catch((error: unknown) => (pollFailure = error ?? new Error('the event poller stopped')));
      const deploy = async (i: number): Promise<number> => {
        // Retried when the connection breaks before an answer (a kept-alive socket the server closed): a second apply supersedes the first.
        const body0 = JSON.stringify({ spec: document(i), artifact: { digest, size: read.artifact.size } });
        const response = await retried(() => fetch(`${server.url}/v1/apply`, { method: 'POST', headers, body: body0 }));
        const body = (await response.json()) as { deployment?: number; error?: { message: string; problems?: unknown } };
        if (!response.ok || body.deployment === undefined) throw new Error(`apply svc-${i}: HTTP ${response.status} ${body.error?.message ?? ''} ${JSON.stringify(body.error?.problems ?? [])}`);
        const id = body.deployment;
        const deadline = Date.now() + 10 * 60_000;
        while (!finished.has(id)) {
          if (pollFailure !== undefined) throw pollFailure;
          if (Date.now() > deadline) throw new Error(`deployment ${id} of svc-${i} did not finish within 10 minutes`);
          await sleep(100);
        }
        return id;
      };
      /** Keeps `concurrency` deployments in flight, each of the service `next()` names, until it names none; resolves with the ids deployed. */
      const keepDeploying = async (concurrency: number, next: () => number | null, done: (i: number) => void = () => {}): Promise<number[]> => {
        const ids: number[] = [];
        await Promise.all(Array.from({ length: concurrency }, async () => {
          for (let i = next(); i !== null; i = next()) {
            ids.push(await deploy(i));
            done(i);
          }
        }));
        return ids;
      };

      log(`${store}, ${services} services: populating`);
      const populateStart = performance.now();
      let populated = 0;
      await keepDeploying(Math.min(100, services), () => (populated < services ? populated++ : null));
      const populateSeconds = (performance.now() - populateStart) / 1000;

      let cursor = 0;
      for (const concurrency of options.concurrency.filter((c) => c <= services)) {
        log(`${store}, ${services} services, ${concurrency} concurrent: measuring`);
        const writesBefore = await storeWrites(server.url, headers);
        const statementsBefore = await storeStatements(server.url, headers);
        const cpuBefore = cpuMs(server.child.pid!);
        const started = performance.now();
        const windowEnds = started + options.windowMs;
        // Each service has at most one deployment in flight: a window never wraps round onto a service still deploying.
        const inFlight = new Set<number>();
        const deploying = keepDeploying(concurrency, () => {
          if (performance.now() >= windowEnds) return null;
          let i = cursor++ % services;
          while (inFlight.has(i)) i = cursor++ % services;
          inFlight.add(i);
          return i;
        }, (i) => inFlight.delete(i));
        const reads = { status: [] as number[], list: [] as number[] };
        const reader = (async () => {
          for (let n = 0; performance.now() < windowEnds; n++) {
            const kind = n % 2 === 0 ? 'status' : 'list';
            const path = kind === 'status' ? `/v1/environments/${ENVIRONMENT}/services/svc-${(n * 7919) % services}` : '/v1/services';
            const t0 = performance.now();
            const response = await retried(() => fetch(`${server.url}${path}`, { headers }));
            await response.arrayBuffer();
            if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
            reads[kind].push(performance.now() - t0);
            await sleep(20);
          }
        })();
        const [ids] = await Promise.all([deploying, reader]);
        const seconds = (performance.now() - started) / 1000;
        const writes = (await storeWrites(server.url, headers)) - writesBefore;
        const cpu = cpuMs(server.child.pid!) - cpuBefore;
        const statements = (await storeStatements(server.url, headers)) - statementsBefore;
        // Let the poller catch up with the last events.
        await sleep(500);
        const overheads = ids.flatMap((id) => stepOverheads(events.get(id) ?? []));
        // Statements of one request: twenty of them between two scrapes, less what a scrape alone costs (the fewest of three back to back), per request;
        // what runs in the background meanwhile (supervision, the event feed's poll) is spread over the twenty.
        const between = async (work: () => Promise<unknown>) => {
          const before = await storeStatements(server.url, headers);
          await work();
          return (await storeStatements(server.url, headers)) - before;
        };
        let scrape = Infinity;
        for (let attempt = 0; attempt < 3; attempt++) scrape = Math.min(scrape, await between(async () => {}));
        const statementsOf = async (path: string) =>
          ((await between(async () => {
            for (let n = 0; n < 20; n++) await fetch(`${server.url}${path}`, { headers }).then((r) => r.arrayBuffer());
          })) - scrape) / 20;
        rows.push({
          store, services, concurrency, deployments: ids.length, succeeded: ids.filter((id) => finished.get(id) === 'Succeeded').length,
          statusP50: percentile(reads.status, 50), statusP99: percentile(reads.status, 99), listP50: percentile(reads.list, 50), listP99: percentile(reads.list, 99),
          reads: Math.min(reads.status.length, reads.list.length),
          stepP50: percentile(overheads, 50), stepP99: percentile(overheads, 99), steps: overheads.length,
          writesPerSecond: writes / seconds, statementsPerDeploy: ids.length ? statements / ids.length : NaN,
          statusStatements: await statementsOf(`/v1/environments/${ENVIRONMENT}/services/svc-0`), listStatements: await statementsOf('/v1/services'),
          cpuPercent: cpu / 10 / seconds, cpuMsPerDeploy: ids.length ? cpu / ids.length : NaN, rssMb: rssMb(server.child.pid!), populateSeconds,
        });
        log(JSON.stringify(rows.at(-1)));
      }
      polling = false;
      await poller;
    } finally {
      await server.stop();
    }
  }
  return rows;
}

/** Runs `request` again (up to 5 times) when the connection broke before an answer; an HTTP error is not retried. */
async function retried<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (attempt >= 5 || !(error instanceof TypeError)) throw error;
      await sleep(100 * attempt);
    }
  }
}

async function storeWrites(url: string, headers: Record<string, string>): Promise<number> {
  return storeCounter(url, headers, 'cutover_store_rows_written_total');
}

/** Statements the server ran in its store (a scrape runs some itself: the bench subtracts them). */
async function storeStatements(url: string, headers: Record<string, string>): Promise<number> {
  return storeCounter(url, headers, 'cutover_store_statements_total');
}

async function storeCounter(url: string, headers: Record<string, string>, name: string): Promise<number> {
  const text = await fetch(`${url}/metrics`, { headers }).then((r) => r.text());
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

/** Each completed step's time minus its own waiting (a timed pause waits until pausedUntil). */
export function stepOverheads(events: EventRow[]): number[] {
  const out: number[] = [];
  const started = new Map<number, EventRow>();
  for (const event of events) {
    if (event.type === 'StepStarted' && event.data.index !== undefined) started.set(event.data.index, event);
    if (event.type !== 'StepCompleted' || event.data.index === undefined) continue;
    const start = started.get(event.data.index);
    if (!start) continue;
    const waiting = start.data.pausedUntil ? Math.max(0, start.data.pausedUntil - start.at) : 0;
    out.push(Math.max(0, event.at - start.at - waiting));
  }
  return out;
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The figures as a table, then each figure's ratio per 10× services at each concurrency. */
export function formatScale(rows: ScaleRow[]): string {
  const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
  const main = table(
    ['store', 'services', 'concurrent', 'deploys', 'ok', 'status p50', 'status p99', 'list p50', 'list p99', 'step p50', 'step p99', 'writes/s', 'stmts/deploy', 'stmts status', 'stmts list', 'cpu %', 'cpu ms/deploy', 'RSS MB', 'populate s'],
    rows.map((r) => [r.store, String(r.services), String(r.concurrency), String(r.deployments), String(r.succeeded), f(r.statusP50), f(r.statusP99), f(r.listP50), f(r.listP99), f(r.stepP50), f(r.stepP99), f(r.writesPerSecond, 0), f(r.statementsPerDeploy, 0), f(r.statusStatements), f(r.listStatements), f(r.cpuPercent, 0), f(r.cpuMsPerDeploy, 0), f(r.rssMb, 0), f(r.populateSeconds)]),
  );
  const growth: string[][] = [];
  for (const row of rows) {
    const smaller = rows.find((r) => r.store === row.store && r.concurrency === row.concurrency && r.services * 10 === row.services);
    if (!smaller) continue;
    const ratio = (a: number, b: number) => (b > 0 ? `×${(a / b).toFixed(2)}` : '-');
    growth.push([row.store, `${smaller.services}→${row.services}`, String(row.concurrency), ratio(row.statusP99, smaller.statusP99), ratio(row.listP99, smaller.listP99), ratio(row.stepP99, smaller.stepP99), ratio(row.writesPerSecond, smaller.writesPerSecond), ratio(row.statementsPerDeploy, smaller.statementsPerDeploy), ratio(row.listStatements, smaller.listStatements), ratio(row.cpuMsPerDeploy, smaller.cpuMsPerDeploy), ratio(row.rssMb, smaller.rssMb)]);
  }
  const growthTable = growth.length ? `\n\ngrowth per 10× services (×10.00 would be linear; ×1.00 flat)\n${table(['store', 'services', 'concurrent', 'status p99', 'list p99', 'step p99', 'writes/s', 'stmts/deploy', 'stmts list', 'cpu/deploy', 'RSS'], growth)}` : '';
  return `${main}${growthTable}\n\n${formatTargets(rows)}\n\nAPI figures in ms (a reader alternating status and list, 20 ms apart); step = engine ms per step beyond its own waiting; writes = store rows written per second; stmts = store statements (round trips on PostgreSQL) per deployment over the window, and for one status and one list request; cpu = the server's CPU time over the window (100% = one core) and per deployment finished, less sensitive to a loaded machine than latencies; RSS of the server at the end of the window. Stores: sqlite = grouped commits (the default: one fsync per 50 ms for all commits), sqlite-fsync-each = an fsync in every commit (--sync-every-commit), postgres = a fresh PostgreSQL database (--store; grouped: asynchronous commit), postgres-fsync-each = the same with --sync-every-commit (PostgreSQL's synchronous_commit as configured).`;
}

/** The issue's targets, judged at 1,000 services × 10 instances with 10 deployments in flight. */
export const TARGETS = { services: 1000, concurrency: 10, apiP99Ms: 100, stepP99Ms: 50, rssMb: 1024 } as const;

/** Whether each target is met, per store: at the targets' cell when this run had it, else said to be not measured. */
export function formatTargets(rows: ScaleRow[]): string {
  const lines = [`targets at ${TARGETS.services} services × 10 instances, ${TARGETS.concurrency} in flight: status and list p99 ≤ ${TARGETS.apiP99Ms} ms, step p99 ≤ ${TARGETS.stepP99Ms} ms, RSS ≤ ${TARGETS.rssMb} MB`];
  for (const store of [...new Set(rows.map((r) => r.store))]) {
    const row = rows.find((r) => r.store === store && r.services === TARGETS.services && r.concurrency === TARGETS.concurrency);
    if (!row) {
      lines.push(`${store}: not measured (this run has no ${TARGETS.services} × ${TARGETS.concurrency} cell)`);
      continue;
    }
    const judge = (name: string, value: number, limit: number, unit: string) => `${name} ${value.toFixed(unit === 'MB' ? 0 : 1)} ${unit} ${value <= limit ? 'met' : 'NOT met'}`;
    const verdicts = [judge('status p99', row.statusP99, TARGETS.apiP99Ms, 'ms'), judge('list p99', row.listP99, TARGETS.apiP99Ms, 'ms'), judge('step p99', row.stepP99, TARGETS.stepP99Ms, 'ms'), judge('RSS', row.rssMb, TARGETS.rssMb, 'MB')];
    const met = row.statusP99 <= TARGETS.apiP99Ms && row.listP99 <= TARGETS.apiP99Ms && row.stepP99 <= TARGETS.stepP99Ms && row.rssMb <= TARGETS.rssMb;
    lines.push(`${store}: ${met ? 'all met' : 'not all met'}: ${verdicts.join('; ')}${row.succeeded < row.deployments ? `; ${row.deployments - row.succeeded} deployments did not succeed` : ''}`);
  }
  return lines.join('\n');
}

const list = (text: string | undefined, fallback: number[]) => (text ? text.split(',').map(Number) : fallback);

if (import.meta.url === `file://${process.argv[1]}`) {
  const stores = (process.env.BENCH_STORES ?? 'sqlite').split(',');
  const unknown = stores.filter((store) => !(BENCH_STORES as readonly string[]).includes(store));
  if (unknown.length) throw new Error(`BENCH_STORES: unknown store ${unknown.join(', ')}; expected a list of ${BENCH_STORES.join(', ')}`);
  const options: ScaleOptions = {
    stores: stores as BenchStore[],
    services: list(process.env.BENCH_SERVICES, [10, 100, 1000]),
    concurrency: list(process.env.BENCH_CONCURRENCY, [1, 10, 100]),
    instances: Number(process.env.BENCH_INSTANCES ?? 10),
    windowMs: Number(process.env.BENCH_WINDOW_S ?? 20) * 1000,
    verbose: true,
  };
  const rows = await runScaleBench(options);
  console.log(formatScale(rows));
}
