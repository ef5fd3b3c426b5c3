/**
 * `npm run bench:router`: what the data plane costs. In one run, wrk sends
 * the same closed-loop load (2 threads, 32 connections, 10 s) to one
 * examples/hello instance directly and through cutover's router process
 * (a separate OS process, as in production), and prints requests/s and
 * latency percentiles for both, with the ratios. Needs `wrk` (Debian).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nodeArgsFor, Program, PROJECT_ROOT } from '../src/core/entry.ts';
import { freePort } from '../src/core/net.ts';
import { RouterAdminClient } from '../src/traffic/builtin/index.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

function wrk(url: string): WrkResult {
  const out = spawnSync('wrk', ['-t2', '-c32', `-d${SECONDS}s`, '--latency', url], { encoding: 'utf8' }).stdout;
  const ms = (label: string) => {
    const match = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    if (!match) return NaN;
    const value = Number(match[1]);
    return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50: ms('50'),
    p99: ms('99'),
    errors: Number(errors) + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await sleep(50);
  }
  throw new Error(`${url} did not answer`);
}

async function main(): Promise<void> {
  if (spawnSync('wrk', ['--version']).error) {
    console.log('bench:router needs wrk (apt-get install wrk)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'cutover-bench-router-'));
  const children: ChildProcess[] = [];
  try {
    const instancePort = await freePort();
    const routerPort = await freePort();
    const adminPort = await freePort();
    children.push(spawn(process.execPath, ['server.js'], { cwd: join(PROJECT_ROOT, 'examples/hello'), env: { ...process.env, PORT: String(instancePort), CUTOVER_VERSION: '1.0.0' }, stdio: 'ignore' }));
    writeFileSync(join(dir, 'token'), 'bench-token\n', { mode: 0o600 });
    children.push(spawn(process.execPath, [...nodeArgsFor(Program.router, 'dist'), '--state-file', join(dir, 'state.json'), '--admin-port', String(adminPort), '--token-file', join(dir, 'token')], { stdio: 'ignore' }));
    await waitFor(`http://127.0.0.1:${instancePort}/healthz`);
    await waitFor(`http://127.0.0.1:${adminPort}/healthz`);
    await new RouterAdminClient(adminPort, 'bench-token').pushConfig({
      service: 'bench',
      port: routerPort,
      weights: { '1': 100 },
      backends: [{ id: 'bench-1', revision: 1, port: instancePort, inRotation: true }],
      healthCheck: { path: '/healthz', intervalMs: 1000, timeoutMs: 1000, unhealthyThreshold: 3 },
      generation: 1,
    });
    await waitFor(`http://127.0.0.1:${routerPort}/healthz`);
    const direct = wrk(`http://127.0.0.1:${instancePort}/`);
    const routed = wrk(`http://127.0.0.1:${routerPort}/`);
    const row = (name: string, r: WrkResult) => `${name.padEnd(16)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.errors).padStart(7)}`;
    console.log(`router overhead: wrk -t2 -c32 -d${SECONDS}s, examples/hello, node ${process.version}, 2 cores shared by wrk, router and instance`);
    console.log(`${'target'.padEnd(16)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)}`);
    console.log(row('instance direct', direct));
    console.log(row('through router', routed));
    console.log(`ratio (router / direct): throughput ${(routed.rps / direct.rps).toFixed(2)}×, p50 ${(routed.p50 / direct.p50).toFixed(2)}×, p99 ${(routed.p99 / direct.p99).toFixed(2)}×`);
  } finally {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
