/**
 * `npm run bench:router`: what the data plane costs, against real proxies.
 * In one run, the same three examples/hello instances are served directly
 * (one instance), through cutover's built-in router (a separate OS process,
 * as in production), through HAProxy as cutover drives it (traffic: { router:
 * haproxy }: health checks, log lines that this process reads during the
 * run as the server would; idle, about 50 lines a second, as while no
 * deployment is judged; judged, this process reading the samples each second
 * as the comparative judge does, about 1,000 lines a second; and once more
 * with every answer logged), through plain HAProxy and plain nginx (Debian packages,
 * hand-written configs, keep-alive to the upstreams on). Each target gets
 * the same closed loop (wrk: 2 threads, 32 connections) and the same paced
 * open-loop rate (cutover's load generator), and the table shows req/s,
 * p50/p99 and every ratio to plain HAProxy. Needs `wrk`; HAProxy and nginx
 * columns are skipped, saying so, when their program is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nodeArgsFor, Program, PROJECT_ROOT } from '../src/core/entry.ts';
import { freePort } from '../src/core/net.ts';
import { startLoad } from '../src/load/index.ts';
import { silentLogger } from '../src/monitoring/logger.ts';
import { RouterAdminClient } from '../src/traffic/builtin/index.ts';
import { HaproxyTrafficRouter } from '../src/traffic/haproxy/index.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** The paced rate: well below every proxy's ceiling, so latency is the proxy's, not a queue's. */
const OPEN_RATE = Number(process.env.BENCH_OPEN_RATE ?? 1000);
const OPEN_SECONDS = Number(process.env.BENCH_OPEN_SECONDS ?? 5);
const INSTANCES = 3;
/** BENCH_ROUTER_ONLY=haproxy: only the HAProxy contenders (driven and plain), for quick before/after runs of the driver. */
const ONLY_HAPROXY = process.env.BENCH_ROUTER_ONLY === 'haproxy';
/** BENCH_ROUTER_ONLY=builtin: only the built-in router's rows and plain HAProxy, for quick before/after runs of the router. */
const ONLY_BUILTIN = process.env.BENCH_ROUTER_ONLY === 'builtin';
/**
 * Untimed load before each target's closed loop, so Node's JIT (router and
 * instances) is warm for every contender alike. On a loaded machine 2 s was
 * too little: a worker of the default layout had served ~500 requests and
 * cost 626 µs of CPU per request in the next 8 s, 236 µs after 12 s of warm-up.
 */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
/** The driven HAProxy while no deployment of the service is judged (nobody reads its samples), and while one is. */
const DRIVEN_IDLE = 'haproxy (driven, idle)';
const DRIVEN_JUDGED = 'haproxy (driven, judged)';

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Requests answered (in the closed loop wrk's count, for the CPU each cost). */
  requests?: number;
}

interface Row {
  name: string;
  closed: Figures;
  open: Figures;
  /**
   * The proxy's own CPU time (user + system, all its processes) per request
   * of the closed loop, in µs. Unlike req/s it hardly moves with the
   * machine's load: it says what a request costs, not how much of the
   * cores the proxy got.
   */
  cpuUsPerRequest: number;
  /** How many cores' worth of CPU the proxy used during the closed loop: what the machine gave it. */
  coresUsed: number;
  /** Its processes (and, for HAProxy, threads) while measured: what each contender was allowed to use. */
  layout: string;
  /** The cutover-driven HAProxy: the part of cpuUsPerRequest spent by this process reading log lines. */
  readerUsPerRequest?: number;
}

/** Clock ticks per second of /proc/PID/stat's times (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** CPU time (user + system) of these processes, in ms; a process gone meanwhile counts as 0. */
function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command (which may hold spaces) start at the state: utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone.
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Every process of a process group (each proxy is started as its own group). */
function groupPids(group: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[2]) === group) pids.push(Number(entry));
    } catch {
      // Gone.
    }
  }
  return pids;
}

/** The threads of a process (/proc/PID/task), for HAProxy's nbthread. */
function threadsOf(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return 0;
  }
}

/** What a proxy runs as: "3 processes", or for HAProxy "master + 1 worker × 2 threads". */
function describeLayout(pids: readonly number[], kind: 'node' | 'haproxy' | 'nginx'): string {
  if (kind === 'haproxy') {
    // The master has one thread; each worker has nbthread.
    const workers = pids.filter((pid) => pid !== process.pid && threadsOf(pid) > 1);
    const threads = workers.map(threadsOf);
    // The cutover-driven one counts this process too: it reads the log lines, as the server would.
    return `master + ${workers.length} worker × ${threads.join('/') || '?'} threads${pids.includes(process.pid) ? ' + log reader' : ''}`;
  }
  if (kind === 'nginx') return `master + ${pids.length - 1} workers`;
  return pids.length === 1 ? '1 process' : `supervisor + ${pids.length - 1} workers`;
}

/** Asynchronous, so this process's event loop runs meanwhile: it reads the cutover-driven HAProxy's log lines, as the server would. */
async function wrk(url: string, seconds = SECONDS): Promise<Figures> {
  const child = spawn('wrk', ['-t2', '-c32', `-d${seconds}s`, '--latency', url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await new Promise((resolve) => child.once('close', resolve));
  const ms = (label: string) => {
    const match = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    if (!match) return NaN;
    const value = Number(match[1]);
    return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50: ms('50'),
    p99: ms('99'),
    errors: Number(errors) + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

async function openLoop(url: string): Promise<Figures> {
  const load = startLoad({ url, ratePerSecond: OPEN_RATE });
  await sleep(OPEN_SECONDS * 1000);
  const report = await load.stop();
  return { requests: report.ok + report.failed, rps: report.ok / (report.durationMs / 1000), p50: report.latencyMs.p50, p99: report.latencyMs.p99, errors: report.failed };
}

/** `pids` lists the proxy's processes once it serves (they may fork workers after it starts). */
async function measure(name: string, url: string, pids: () => number[], kind: 'node' | 'haproxy' | 'nginx'): Promise<Row> {
  await waitFor(url);
  if (WARMUP_SECONDS > 0) await wrk(url, WARMUP_SECONDS);
  const processes = pids();
  const cpuBefore = cpuMs(processes);
  const readerBefore = cpuMs([process.pid]);
  const closed = await wrk(url);
  const cpu = cpuMs(processes) - cpuBefore;
  const reader = cpuMs([process.pid]) - readerBefore;
  const open = await openLoop(url);
  return {
    name,
    closed,
    open,
    cpuUsPerRequest: (cpu * 1000) / (closed.requests ?? NaN),
    ...(processes.includes(process.pid) ? { readerUsPerRequest: (reader * 1000) / (closed.requests ?? NaN) } : {}),
    coresUsed: cpu / (SECONDS * 1000),
    layout: describeLayout(processes, kind),
  };
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await sleep(50);
  }
  throw new Error(`${url} did not answer`);
}

/** HAProxy processes whose command line names a file in `dir` (the driver's config). */
function haproxyProcessesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (command.startsWith('haproxy\0') && command.includes(dir)) pids.push(Number(entry));
    } catch {
      // Gone.
    }
  }
  return pids;
}

function hasProgram(command: string, args: string[]): boolean {
  const run = spawnSync(command, args, { stdio: 'ignore' });
  return run.error === undefined && run.status === 0;
}

/** What an operator would write by hand: round robin, keep-alive both sides, no health checks or logs. */
function plainHaproxyConfig(port: number, upstreams: number[]): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  option http-keep-alive',
    'frontend bench',
    `  bind 127.0.0.1:${port}`,
    '  default_backend hello',
    'backend hello',
    '  balance roundrobin',
    ...upstreams.map((upstream, i) => `  server hello${i} 127.0.0.1:${upstream}`),
    '',
  ].join('\n');
}

function plainNginxConfig(dir: string, port: number, upstreams: number[]): string {
  return `
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fastcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  upstream hello {
${upstreams.map((upstream) => `    server 127.0.0.1:${upstream};`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://hello;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

function ratio(value: number, base: number): string {
  return Number.isFinite(value / base) ? `${(value / base).toFixed(2)}×` : '-';
}

function print(rows: Row[]): void {
  const haproxy = rows.find((row) => row.name === 'haproxy (plain)');
  const head = `${'target'.padEnd(28)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'err'.padStart(4)} ${'×HAProxy rps'.padStart(12)} ${'p50'.padStart(6)} ${'p99'.padStart(6)}`;
  for (const mode of ['closed', 'open'] as const) {
    console.log(mode === 'closed' ? `\nclosed loop: wrk -t2 -c32 -d${SECONDS}s` : `\nopen loop: ${OPEN_RATE} req/s paced for ${OPEN_SECONDS}s (cutover's load generator; req/s is the answered rate)`);
    console.log(head);
    for (const row of rows) {
      const f = row[mode];
      const base = haproxy?.[mode];
      console.log(
        `${row.name.padEnd(28)} ${f.rps.toFixed(0).padStart(8)} ${f.p50.toFixed(2).padStart(7)} ${f.p99.toFixed(2).padStart(7)} ${String(f.errors).padStart(4)} ` +
          `${(base ? ratio(f.rps, base.rps) : '-').padStart(12)} ${(base ? ratio(f.p50, base.p50) : '-').padStart(6)} ${(base ? ratio(f.p99, base.p99) : '-').padStart(6)}`,
      );
    }
  }
  console.log(`\nwhat each proxy cost and got during the closed loop (its own processes' user + system CPU; ${availableParallelism()} cores shared with wrk and the instances)`);
  console.log(`${'target'.padEnd(28)} ${'CPU µs/req'.padStart(10)} ${'×HAProxy'.padStart(9)} ${'cores used'.padStart(10)}  layout`);
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(28)} ${row.cpuUsPerRequest.toFixed(0).padStart(10)} ${(haproxy ? ratio(row.cpuUsPerRequest, haproxy.cpuUsPerRequest) : '-').padStart(9)} ${row.coresUsed.toFixed(2).padStart(10)}  ${row.layout}` +
        (row.readerUsPerRequest === undefined ? '' : ` (log reader ${row.readerUsPerRequest.toFixed(0)} µs/req of it)`),
    );
  }
  printVerdict(rows, haproxy);
  printMarkdown(rows, haproxy);
}

/** The issue's targets, said plainly: built-in ≥ 0.6× HAProxy's req/s with p99 ≤ 2×, cutover-driven HAProxy ≥ 0.95×. */
function printVerdict(rows: Row[], haproxy: Row | undefined): void {
  if (!haproxy) return;
  console.log('\ntargets (closed loop, against plain HAProxy in this run):');
  for (const row of rows) {
    if (row.name.startsWith('cutover built-in')) {
      const rps = row.closed.rps / haproxy.closed.rps;
      const p99 = row.closed.p99 / haproxy.closed.p99;
      console.log(`  ${row.name}: ${rps.toFixed(2)}× req/s (target ≥ 0.60: ${rps >= 0.6 ? 'met' : 'NOT met'}), ${p99.toFixed(2)}× p99 (target ≤ 2.00: ${p99 <= 2 ? 'met' : 'NOT met'})`);
    }
    if (row.name === DRIVEN_IDLE || row.name === DRIVEN_JUDGED) {
      const rps = row.closed.rps / haproxy.closed.rps;
      const cpu = row.cpuUsPerRequest / haproxy.cpuUsPerRequest;
      const when = row.name === DRIVEN_IDLE ? 'no deployment judged' : 'a deployment judged';
      console.log(`  ${row.name} (${when}): ${rps.toFixed(2)}× req/s (target ≥ 0.95: ${rps >= 0.95 ? 'met' : 'NOT met'}), ${cpu.toFixed(2)}× CPU per request`);
    }
  }
}

/** The same figures as the README's table, to paste as they are. */
function printMarkdown(rows: Row[], haproxy: Row | undefined): void {
  console.log('\nmarkdown (README):\n');
  console.log('| target | layout | closed loop req/s | p50 ms | p99 ms | × plain HAProxy req/s | × p99 | CPU µs/req | open loop (' + OPEN_RATE + '/s) p50 / p99 ms |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    const { closed, open } = row;
    const cells = [
      row.name,
      row.layout,
      closed.rps.toFixed(0),
      closed.p50.toFixed(2),
      closed.p99.toFixed(1),
      haproxy ? ratio(closed.rps, haproxy.closed.rps) : '-',
      haproxy ? ratio(closed.p99, haproxy.closed.p99) : '-',
      row.cpuUsPerRequest.toFixed(0),
      `${open.p50.toFixed(2)} / ${open.p99.toFixed(1)}`,
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
}

async function main(): Promise<void> {
  if (spawnSync('wrk', ['--version']).error) {
    console.log('bench:router needs wrk (apt-get install wrk)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'cutover-bench-router-'));
  const children: ChildProcess[] = [];
  /** Returns its process group: it and every process it forks. */
  const start = (command: string, args: string[], options: Parameters<typeof spawn>[2] = {}): (() => number[]) => {
    // Its own process group, so stopping it stops the workers HAProxy and nginx fork too.
    const child = spawn(command, args, { stdio: 'ignore', ...options, detached: true });
    children.push(child);
    return () => (child.pid ? groupPids(child.pid) : []);
  };
  // A proxy measured is stopped before the next one starts: every row gets the same machine, not one shared
  // with the idle processes (and health checks) of the rows before it.
  const stop = async (pids: () => number[]): Promise<void> => {
    for (const pid of pids()) signal(pid, 'SIGKILL');
    for (let i = 0; i < 100 && pids().length > 0; i++) await sleep(20);
  };
  try {
    const upstreams: number[] = [];
    const instances: (() => number[])[] = [];
    for (let i = 0; i < INSTANCES; i++) {
      const port = await freePort();
      upstreams.push(port);
      instances[i] = start(process.execPath, ['server.js'], { cwd: join(PROJECT_ROOT, 'examples/hello'), env: { ...process.env, PORT: String(port), CUTOVER_VERSION: '1.0.0' }, stdio: 'ignore' });
    }
    for (const port of upstreams) await waitFor(`http://127.0.0.1:${port}/healthz`);
    const rows: Row[] = [];
    if (!ONLY_HAPROXY && !ONLY_BUILTIN) rows.push(await measure('instance direct (1 of 3)', `http://127.0.0.1:${upstreams[0]}/`, instances[0]!, 'node'));

    writeFileSync(join(dir, 'token'), 'bench-token\n', { mode: 0o600 });
    // One process (--workers 1) and the default layout (a supervisor and its workers), to show what the workers buy;
    // with BENCH_ROUTER_BASELINE (another build's dist/router/main.js), that build's router too, for a before/after in one run.
    const baseline = process.env.BENCH_ROUTER_BASELINE;
    // Each server side (CUTOVER_ROUTER_SERVER: Node's http.Server, or the router's own on net sockets), in each layout.
    const routers: { name: string; args: string[]; workers?: string; server?: string }[] = [
      { name: 'cutover built-in, 1 process', args: nodeArgsFor(Program.router, 'dist'), workers: '1', server: 'own' },
      { name: 'cutover built-in (default)', args: nodeArgsFor(Program.router, 'dist'), server: 'own' },
      { name: 'built-in Node server, 1 process', args: nodeArgsFor(Program.router, 'dist'), workers: '1', server: 'node' },
      { name: 'built-in Node server, default layout', args: nodeArgsFor(Program.router, 'dist'), server: 'node' },
      ...(baseline ? [{ name: 'baseline, 1 process', args: [baseline], workers: '1' }, { name: 'baseline (default)', args: [baseline] }] : []),
    ];
    for (const [i, router] of (ONLY_HAPROXY ? [] : routers).entries()) {
      const routerPort = await freePort();
      const adminPort = await freePort();
      const state = join(dir, `state-${i}.json`);
      const pids = start(process.execPath, [...router.args, '--state-file', state, '--admin-port', String(adminPort), '--token-file', join(dir, 'token'), ...(router.workers ? ['--workers', router.workers] : [])], {
        env: { ...process.env, ...(router.server ? { CUTOVER_ROUTER_SERVER: router.server } : {}) },
      });
      await waitFor(`http://127.0.0.1:${adminPort}/healthz`);
      await new RouterAdminClient(adminPort, 'bench-token').pushConfig({
        service: 'bench',
        port: routerPort,
        weights: { '1': 100 },
        backends: upstreams.map((port, i) => ({ id: `bench-${i}`, revision: 1, port, inRotation: true })),
        healthCheck: { path: '/healthz', intervalMs: 1000, timeoutMs: 1000, unhealthyThreshold: 3 },
        generation: 1,
      });
      rows.push(await measure(router.name, `http://127.0.0.1:${routerPort}/`, pids, 'node'));
      await stop(pids);
    }

    // The HAProxy driver as the server uses it: idle (no deployment judged, nobody reads the samples: about 50
    // lines a second), judged (this process reads the samples every second, as the comparative judge does: about
    // 1,000 lines a second), and with every answer logged (the driver before it sampled), for the differences in one run.
    const drivers = [
      { name: DRIVEN_IDLE, judged: false, linesPerSecond: undefined },
      { name: DRIVEN_JUDGED, judged: true, linesPerSecond: undefined },
      { name: 'haproxy (driven, all logged)', judged: true, linesPerSecond: Infinity },
    ];
    for (const { name, judged, linesPerSecond } of hasProgram('haproxy', ['-v']) && !ONLY_BUILTIN ? drivers : []) {
      // This process reads its log lines as the server would.
      const driven = new HaproxyTrafficRouter(dir, silentLogger(), linesPerSecond, linesPerSecond);
      const port = await freePort();
      const ref = { service: 'bench', environment: 'development' };
      let judge: NodeJS.Timeout | undefined;
      try {
        await driven.apply({
          service: 'bench',
          environment: 'development',
          port,
          weights: { '1': 100 },
          backends: upstreams.map((upstream, i) => ({ id: `bench-${i}`, revision: 1, port: upstream, inRotation: true })),
          healthCheck: { path: '/healthz', intervalMs: 1000, timeoutMs: 1000, unhealthyThreshold: 3 },
        });
        // The driver starts HAProxy detached, as its own process group, with its config in this run's folder.
        // Its CPU includes this process's: reading the log lines is part of what the driven HAProxy costs.
        const pids = (): number[] => [...haproxyProcessesIn(dir), process.pid];
        // Judged: the samples read each second, as the compare provider does (which keeps the judged share on).
        let after = 0;
        if (judged) judge = setInterval(() => void driven.samples(ref, after).then((samples) => (after = samples.seq), () => undefined), 1000);
        const row = await measure(name, `http://127.0.0.1:${port}/`, pids, 'haproxy');
        rows.push(row);
        clearInterval(judge);
        await sleep(500);
        const read = (await driven.samples(ref, 0)).seq;
        console.log(`${name}: this process read ${read} per-request log lines (warm-up included), for ${(row.closed.requests ?? 0) + (row.open.requests ?? 0)} requests answered while measuring`);
      } finally {
        clearInterval(judge);
        await driven.remove(ref);
        driven.close();
      }
    }
    if (hasProgram('haproxy', ['-v'])) {
      const port = await freePort();
      writeFileSync(join(dir, 'haproxy.cfg'), plainHaproxyConfig(port, upstreams));
      const pids = start('haproxy', ['-W', '-db', '-f', join(dir, 'haproxy.cfg')]);
      rows.push(await measure('haproxy (plain)', `http://127.0.0.1:${port}/`, pids, 'haproxy'));
      await stop(pids);
    } else console.log('haproxy column skipped: haproxy is not on PATH (apt-get install haproxy)');

    const nginx = ONLY_HAPROXY || ONLY_BUILTIN ? undefined : hasProgram('nginx', ['-v']) ? 'nginx' : hasProgram('/usr/sbin/nginx', ['-v']) ? '/usr/sbin/nginx' : undefined;
    if (nginx) {
      const port = await freePort();
      writeFileSync(join(dir, 'nginx.conf'), plainNginxConfig(dir, port, upstreams));
      const pids = start(nginx, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'nginx-error.log'), '-g', 'daemon off;']);
      rows.push(await measure('nginx (plain)', `http://127.0.0.1:${port}/`, pids, 'nginx'));
    } else if (!ONLY_HAPROXY && !ONLY_BUILTIN) console.log('nginx column skipped: nginx is not on PATH (apt-get install nginx)');

    console.log(`\nbench:router: ${INSTANCES} examples/hello instances behind each proxy, node ${process.version}, one machine (wrk, proxies and instances share its cores)`);
    print(rows);
  } finally {
    for (const child of children) if (child.pid) signal(-child.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
