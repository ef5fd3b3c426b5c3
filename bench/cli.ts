/**
 * `npm run bench:cli`: what starting cutover costs. In one run it times
 * `cutover --help` and `cutover --version` (the compiled dist/, as users run
 * it) against `node -e 0`, with hyperfine when it is installed (Debian's
 * `hyperfine`) or its own timer, and prints each time with its ratio to bare
 * node; then it starts a router on an empty state beside an idle bare node
 * and prints their resident memory once settled (V8 gives memory back after
 * some seconds of idleness). Most of a process's resident memory is the node
 * binary's own pages, shared by every node process; the private part
 * (RssAnon) is what each more router costs. Targets: help ≤ 3× bare node, an
 * idle router ≤ 50 MB.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nodeArgsFor, Program } from '../src/core/entry.ts';
import { freePort } from '../src/core/net.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const HELP_TARGET = 3;
const ROUTER_TARGET_MB = 50;
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 12_000);

interface Command {
  label: string;
  args: string[];
}

interface Timing {
  label: string;
  meanMs: number;
  sdMs: number;
}

const node = (...args: string[]): string[] => [process.execPath, ...args];
const cli = (...args: string[]): string[] => node(...nodeArgsFor(Program.cli, 'dist'), ...args);
const quote = (args: string[]): string => args.map((arg) => (/^[\w./=-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`)).join(' ');

function withHyperfine(commands: Command[]): Timing[] {
  const dir = mkdtempSync(join(tmpdir(), 'cutover-bench-cli-'));
  try {
    const out = join(dir, 'times.json');
    const names = commands.flatMap(({ label }) => ['--command-name', label]);
    const run = spawnSync('hyperfine', ['-N', '--warmup', '3', '--runs', String(RUNS), '--export-json', out, ...names, ...commands.map(({ args }) => quote(args))], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (run.status !== 0) throw new Error(`hyperfine exited with ${run.status}`);
    const { results } = JSON.parse(readFileSync(out, 'utf8')) as { results: { command: string; mean: number; stddev: number }[] };
    return results.map((result) => ({ label: result.command, meanMs: result.mean * 1000, sdMs: result.stddev * 1000 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Without hyperfine: runs each command in turn, RUNS times after 3 warm-ups, and times each run. */
function withOwnTimer(commands: Command[]): Timing[] {
  const times = new Map(commands.map(({ label }) => [label, [] as number[]]));
  for (let round = -3; round < RUNS; round++) {
    for (const { label, args } of commands) {
      const started = performance.now();
      const run = spawnSync(args[0]!, args.slice(1), { stdio: 'ignore' });
      if (run.status !== 0) throw new Error(`${label} exited with ${run.status}`);
      if (round >= 0) times.get(label)!.push(performance.now() - started);
    }
  }
  return commands.map(({ label }) => {
    const runs = times.get(label)!;
    const meanMs = runs.reduce((a, b) => a + b, 0) / runs.length;
    const sdMs = Math.sqrt(runs.reduce((sum, t) => sum + (t - meanMs) ** 2, 0) / Math.max(1, runs.length - 1));
    return { label, meanMs, sdMs };
  });
}

interface Memory {
  residentMb: number;
  privateMb: number;
}

function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1]) / 1024;
  return { residentMb: mb('VmRSS'), privateMb: mb('RssAnon') };
}

/** Starts a router on an empty state and an idle bare node, and reads both processes' memory once settled. */
async function idleMemory(): Promise<{ router: Memory; bare: Memory }> {
  const dir = mkdtempSync(join(tmpdir(), 'cutover-bench-cli-'));
  writeFileSync(join(dir, 'token'), 'bench-token\n', { mode: 0o600 });
  const adminPort = await freePort();
  const router = spawn(process.execPath, [...nodeArgsFor(Program.router, 'dist'), '--state-file', join(dir, 'state.json'), '--admin-port', String(adminPort), '--token-file', join(dir, 'token')], { stdio: 'ignore' });
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
  try {
    for (let i = 0; !(await fetch(`http://127.0.0.1:${adminPort}/healthz`).then((r) => r.ok, () => false)); i++) {
      if (i > 200 || router.exitCode !== null) throw new Error('the router did not start');
      await sleep(50);
    }
    await sleep(SETTLE_MS);
    return { router: memoryOf(router.pid!), bare: memoryOf(bare.pid!) };
  } finally {
    router.kill('SIGKILL');
    bare.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const commands: Command[] = [
    { label: 'node -e 0', args: node('-e', '0') },
    { label: 'cutover --help', args: cli('--help') },
  ];
  if (spawnSync(process.execPath, [...nodeArgsFor(Program.cli, 'dist'), '--version'], { stdio: 'ignore' }).status === 0) {
    commands.push({ label: 'cutover --version', args: cli('--version') });
  } else {
    console.log('(cutover --version is not supported by this build: not timed)');
  }
  const hasHyperfine = spawnSync('hyperfine', ['--version'], { stdio: 'ignore' }).status === 0;
  console.log(`cutover start-up, ${RUNS} runs each after 3 warm-ups (${hasHyperfine ? 'hyperfine' : 'own timer; install hyperfine for finer figures'}):`);
  const timings = hasHyperfine ? withHyperfine(commands) : withOwnTimer(commands);
  const bare = timings[0]!.meanMs;
  for (const { label, meanMs, sdMs } of timings) {
    const ratio = meanMs / bare;
    const verdict = label === 'cutover --help' ? ` (target ≤ ${HELP_TARGET}×: ${ratio <= HELP_TARGET ? 'met' : 'MISSED'})` : '';
    console.log(`  ${label.padEnd(18)} ${meanMs.toFixed(1).padStart(7)} ms ± ${sdMs.toFixed(1).padStart(4)}   ${ratio.toFixed(2)}× bare node${verdict}`);
  }
  console.log(`idle memory after ${SETTLE_MS / 1000} s (VmRSS, of which private RssAnon):`);
  const { router, bare: idleNode } = await idleMemory();
  const line = (label: string, { residentMb, privateMb }: Memory) => `  ${label.padEnd(18)} ${residentMb.toFixed(1).padStart(7)} MB, of which ${privateMb.toFixed(1)} MB private`;
  console.log(line('bare node', idleNode));
  console.log(`${line('router (empty)', router)} (target ≤ ${ROUTER_TARGET_MB} MB: ${router.residentMb <= ROUTER_TARGET_MB ? 'met' : 'MISSED'})`);
}

await main();
