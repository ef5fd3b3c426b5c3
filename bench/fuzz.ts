/**
 * `npm run fuzz [-- --runs N --seed S --only NAME]`: every fuzz target (the
 * spec loader, structured fields, OSV ranges, CEL policies, artifact
 * unpacking, API bodies, query strings, SSE Last-Event-ID) for N cases
 * (FUZZ_RUNS, default 10,000) against a real control plane, printing the
 * cases tried and refused per target. Exits 1 on the first failing target,
 * with fast-check's counterexample and seed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Cluster } from '../test/support/cluster.ts';
import { allTargets, fuzzRuns } from '../test/support/fuzz/index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' } } });
const runs = values.runs === undefined ? fuzzRuns(10_000) : Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  process.stderr.write('fuzz: --runs must be a whole number ≥ 1 and --seed a whole number\n');
  process.exit(2);
}

const cluster = new Cluster();
const root = mkdtempSync(join(tmpdir(), 'cutover-fuzz-'));
const uptime = (): string => execFileSync('uptime', { encoding: 'utf8' }).trim();
process.stdout.write(`cutover fuzz: ${runs} cases per target, seed ${seed}, node ${process.version}\nload at start: ${uptime()}\n`);
let failed = false;
try {
  await cluster.start();
  const targets = allTargets(cluster, root).filter((t) => !values.only || t.name.includes(values.only));
  for (const target of targets) {
    const started = performance.now();
    try {
      const count = await target.run(runs, seed);
      process.stdout.write(`${target.name.padEnd(20)} ${String(count.cases).padStart(7)} cases, ${String(count.refused).padStart(7)} refused (4xx or a named problem), 0 crashes, 0 5xx  ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    } catch (error) {
      failed = true;
      process.stdout.write(`${target.name}: FAILED\n${error instanceof Error ? error.message : String(error)}\n`);
      break;
    }
  }
} finally {
  await cluster.destroy();
  rmSync(root, { recursive: true, force: true });
}
process.stdout.write(`load at end: ${uptime()}\n`);
process.exitCode = failed ? 1 : 0;
