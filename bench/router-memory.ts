/**
 * What one more service costs in router memory (issue 11, "memory that
 * scales with services"): the built-in router's processes' total RSS with 1
 * service and with N (default 20), and the marginal cost per service,
 * (RSS at N - RSS at 1) / (N - 1), for three layouts in one run:
 *
 * - a router per service, supervisor and 2 workers (CUTOVER_ROUTER_LAYOUT=per-service);
 * - a router per service as one process (CUTOVER_ROUTER_WORKERS=1);
 * - one router for every service (`router --host`, supervisor and 2 workers: the default layout).
 *
 * Each service gets a config pushed through its own admin API, as the
 * control plane pushes it (2 instances, 2 revisions, a health check), and
 * 50 requests through its traffic port before the measure, so every worker
 * has routed and sampled. The control plane itself is not started: what is
 * measured is the data plane alone, from the compiled build (dist/) as users
 * run it; the sources through tsx's loader would add its own memory to
 * every process.
 *
 *   npm run bench:router-memory -- [--services 20] [--requests 50]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { nodeArgsFor, Program } from '../src/core/entry.ts';
import { freePort } from '../src/core/net.ts';
import type { RouterConfig } from '../src/router/wire.ts';
import { RouterAdminClient } from '../src/traffic/builtin/index.ts';

const { values } = parseArgs({ options: { services: { type: 'string', default: '20' }, requests: { type: 'string', default: '50' } } });
const SERVICES = Number(values.services);
const REQUESTS = Number(values.requests);
if (!Number.isInteger(SERVICES) || SERVICES < 2 || SERVICES > 200) throw new Error('--services must be a whole number from 2 to 200');
const TOKEN = 'bench-token-0123456789abcdef';
const root = mkdtempSync(join(tmpdir(), 'cutover-router-memory-'));
const groups: number[] = [];

/** RSS in bytes of `pids` and every descendant (a supervisor's workers). */
function treeRss(pids: number[]): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const queue = [...pids];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      total += Number(match?.[1] ?? 0) * 1024;
    } catch {
      // gone
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

function startRouter(args: string[], env: Record<string, string> = {}): number {
  const child = spawn(process.execPath, [...nodeArgsFor(Program.router, 'dist'), ...args], { stdio: 'ignore', detached: true, env: { PATH: process.env.PATH ?? '', ...env } });
  groups.push(child.pid!);
  child.unref();
  return child.pid!;
}

async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

function configOf(service: string, port: number, instances: number[]): RouterConfig {
  return {
    service,
    environment: 'bench',
    port,
    weights: { 1: 80, 2: 20 },
    backends: instances.map((instancePort, i) => ({ id: `${service}-${i}`, revision: i + 1, port: instancePort, inRotation: true })),
    healthCheck: { path: '/healthz', intervalMs: 2_000, timeoutMs: 1_000, unhealthyThreshold: 2 },
    generation: 1,
  };
}

/** Pushes a config on a free traffic port, then sends REQUESTS requests through it. */
async function serve(client: RouterAdminClient, service: string, instances: number[]): Promise<void> {
  const port = await freePort();
  await client.pushConfig(configOf(service, port, instances));
  for (let i = 0; i < REQUESTS; i++) {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${service} answered ${response.status}`);
  }
}

/** A router of its own for one service; returns its pid once its config serves. */
async function perServiceRouter(index: number, workers: string, instances: number[]): Promise<number> {
  const dir = join(root, `per-service-${workers}-${index}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'token'), TOKEN);
  const adminPort = await freePort();
  const pid = startRouter(['--state-file', join(dir, 'state.json'), '--admin-port', String(adminPort), '--token-file', join(dir, 'token'), '--workers', workers]);
  const client = new RouterAdminClient(adminPort, TOKEN);
  await until('a router to answer', () => client.healthz());
  await serve(client, `svc-${index}`, instances);
  return pid;
}

interface Row {
  layout: string;
  processes: string;
  one: number;
  many: number;
}

/** Settles (collected garbage, idle) before a read: RSS right after a burst of requests is noise. */
async function settledRss(pids: number[]): Promise<number> {
  await sleep(3_000);
  return treeRss(pids);
}

async function perServiceLayout(workers: string, label: string, instances: number[]): Promise<Row> {
  const pids = [await perServiceRouter(0, workers, instances)];
  const one = await settledRss(pids);
  for (let i = 1; i < SERVICES; i++) pids.push(await perServiceRouter(i, workers, instances));
  const many = await settledRss(pids);
  stopGroups(pids);
  return { layout: label, processes: `${SERVICES} × ${workers === '1' ? '1' : `(1 + ${workers})`}`, one, many };
}

async function sharedLayout(instances: number[]): Promise<Row> {
  const dir = join(root, 'host');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'host-token'), TOKEN);
  const hostPort = await freePort();
  const pid = startRouter(['--host', dir, '--admin-port', String(hostPort), '--token-file', join(dir, 'host-token'), '--workers', '2']);
  await until('the host to answer', () => answers(`http://127.0.0.1:${hostPort}/healthz`));
  const add = async (index: number): Promise<void> => {
    const key = `bench/svc-${index}`;
    mkdirSync(join(dir, key), { recursive: true });
    writeFileSync(join(dir, key, 'admin-token'), `${TOKEN}-${index}`);
    const adminPort = await freePort();
    const response = await fetch(`http://127.0.0.1:${hostPort}/services/${key}`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ adminPort }) });
    if (!response.ok) throw new Error(`the host refused ${key}: ${await response.text()}`);
    await serve(new RouterAdminClient(adminPort, `${TOKEN}-${index}`), `svc-${index}`, instances);
  };
  await add(0);
  const one = await settledRss([pid]);
  for (let i = 1; i < SERVICES; i++) await add(i);
  const many = await settledRss([pid]);
  stopGroups([pid]);
  return { layout: 'one router for every service (--host, the default)', processes: '1 + 2', one, many };
}

function stopGroups(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Two instances (revisions 1 and 2) every service routes to: tiny HTTP servers in this process, not measured. */
async function instances(): Promise<{ ports: number[]; servers: Server[] }> {
  const servers = await Promise.all([1, 2].map(async (revision) => {
    const server = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ revision })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  }));
  return { servers, ports: servers.map((server) => (server.address() as { port: number }).port) };
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

const upstream = await instances();
try {
  const started = loadavg()[0]!;
  const rows = [
    await perServiceLayout('2', 'a router per service (CUTOVER_ROUTER_LAYOUT=per-service)', upstream.ports),
    await perServiceLayout('1', 'a router per service, CUTOVER_ROUTER_WORKERS=1', upstream.ports),
    await sharedLayout(upstream.ports),
  ];
  console.log(`Built-in router memory: total RSS of its processes with 1 and ${SERVICES} services, ${REQUESTS} requests through each (node ${process.version}, ${availableParallelism()} cores, load ${started.toFixed(1)} → ${loadavg()[0]!.toFixed(1)})\n`);
  console.log(`| layout | processes at ${SERVICES} | RSS, 1 service | RSS, ${SERVICES} services | per extra service |`);
  console.log('|---|---|---:|---:|---:|');
  for (const row of rows) console.log(`| ${row.layout} | ${row.processes} | ${mb(row.one)} MB | ${mb(row.many)} MB | ${mb((row.many - row.one) / (SERVICES - 1))} MB |`);
} finally {
  stopGroups(groups);
  for (const server of upstream.servers) server.close();
  rmSync(root, { recursive: true, force: true });
}
