/**
 * `npm run chaos [-- --trials N --seed S --first F --rate R --workers W]`: N seeded
 * trials, each a deployment of the next version with a random strategy under
 * paced load and one SIGKILL at a random instant (the control plane, a
 * router worker or the router, an instance); prints per trial and in sum:
 * converged/N, failed requests (router kills apart), duplicate and orphan
 * processes, and the time from the kill to convergence. A benchmark, not a
 * test (test/chaos.test.ts runs a few seeded trials); it exits 1 when a
 * trial did not converge, so a script can tell.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { CHAOS_DEFAULTS, runChaos, type TrialResult } from '../test/support/chaos.ts';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    first: { type: 'string', default: '1' },
    rate: { type: 'string', default: String(CHAOS_DEFAULTS.rate) },
    workers: { type: 'string', default: process.env.CUTOVER_ROUTER_WORKERS ?? String(CHAOS_DEFAULTS.workers) },
    instances: { type: 'string', default: String(CHAOS_DEFAULTS.instances) },
  },
});

function whole(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    process.stderr.write(`chaos: --${name} must be a whole number from ${min} to ${max}, not "${text}"\n`);
    process.exit(2);
  }
  return value;
}

const options = {
  ...CHAOS_DEFAULTS,
  trials: whole('trials', values.trials, 1, 10_000),
  seed: whole('seed', values.seed, 0, 2 ** 32 - 1),
  first: whole('first', values.first, 1, 10_000),
  rate: whole('rate', values.rate, 1, 5_000),
  workers: whole('workers', values.workers, 1, 64),
  instances: whole('instances', values.instances, 1, 20),
};

const uptime = (): string => execFileSync('uptime', { encoding: 'utf8' }).trim();
const failures = (t: TrialResult): string => Object.entries(t.failedBy).map(([kind, n]) => `${kind}×${n}`).join(' ');

process.stdout.write(`cutover chaos: ${options.trials} trials${options.first > 1 ? ` from trial ${options.first}` : ''}, seed ${options.seed}, ${options.rate} requests/s, ${options.instances} instances, router workers ${options.workers}, node ${process.version}\n`);
process.stdout.write(`load at start: ${uptime()}\n`);
const summary = await runChaos({
  ...options,
  onTrial: (t) =>
    process.stdout.write(
      `trial ${String(t.trial).padStart(3)}  ${t.strategy.padEnd(9)} kill ${t.killed} at +${t.killAtMs} ms  → ${t.converged ? 'converged' : `NOT converged (${t.problem})`}` +
        ` ${t.phase} serving ${t.version} in ${(t.convergeMs / 1000).toFixed(1)} s; ${t.failed}/${t.sent} failed${t.failed ? ` (${failures(t)})` : ''}` +
        `${t.duplicates ? `, ${t.duplicates} duplicates` : ''}${t.orphans ? `, ${t.orphans} orphans` : ''}\n`,
    ),
});
const byTarget = (target: string): number => summary.trials.filter((t) => t.target === target).length;
process.stdout.write(
  [
    `load at end: ${uptime()}`,
    `kills: control plane ${byTarget('controlPlane')}, router ${summary.routerKills}, instance ${byTarget('instance')}`,
    `converged: ${summary.converged}/${summary.trials.length}`,
    `failed requests: ${summary.failed} of ${summary.sent} sent (control plane and instance kills); ${summary.failedRouterKills} in the ${summary.routerKills} router-kill trials`,
    `duplicates: ${summary.duplicates}, orphans: ${summary.orphans}`,
    `time to converge after the kill: median ${(summary.convergeMs.median / 1000).toFixed(1)} s, max ${(summary.convergeMs.max / 1000).toFixed(1)} s`,
  ].join('\n') + '\n',
);
process.exitCode = summary.converged === summary.trials.length ? 0 : 1;
