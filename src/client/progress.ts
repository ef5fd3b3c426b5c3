import type { StatusView } from '../api/views.ts';
import type { FollowOptions } from './follow.ts';

/** Traffic weights as `r1=80% r2=20%`, or `none`. */
export function weightsText(weights: Record<string, number>): string {
  const entries = Object.entries(weights);
  return entries.length ? entries.map(([revision, weight]) => `r${revision}=${weight}%`).join(' ') : 'none';
}

/** One line saying where a deployment is: phase, step, weights, healthy instances per revision, message. */
export function progressLine(status: StatusView): string {
  const healthy = status.instances.filter((i) => i.healthy);
  const byRevision = [...new Set(status.instances.map((i) => i.revision))]
    .sort((a, b) => a - b)
    .map((revision) => `r${revision} ${healthy.filter((i) => i.revision === revision).length}/${status.instances.filter((i) => i.revision === revision).length}`)
    .join(' ');
  const step = status.step.total ? `step ${Math.min(status.step.index + (status.step.current ? 1 : 0), status.step.total)}/${status.step.total}` : 'no steps';
  return `${status.phase.padEnd(11)} ${step}${status.step.current ? ` (${status.step.current})` : ''} · weights ${weightsText(status.weights)} · healthy ${byRevision || 'none'} · ${status.message}`;
}

/** Where progress goes: a terminal, or anything that takes text. */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Shows a followed deployment to a person, as the CLI's `--wait` and the demo
 * do: on a terminal one live line, rewritten in place (a new line per step);
 * elsewhere (a log, a pipe) one timestamped line per change.
 */
export function terminalProgress(out: ProgressOutput = process.stdout, err: ProgressOutput = process.stderr): Required<Pick<FollowOptions, 'onStatus' | 'onServerGone'>> {
  const tty = Boolean(out.isTTY);
  let last = '';
  let lastStep = -1;
  return {
    onStatus(status, done) {
      const line = progressLine(status);
      if (line !== last) {
        if (tty) {
          if (status.step.index !== lastStep && last !== '') out.write('\n');
          out.write(`\r\x1b[2K${line.slice(0, (out.columns || 200) - 1)}`);
        } else {
          out.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
        }
        last = line;
        lastStep = status.step.index;
      }
      if (done && tty) out.write('\n');
    },
    onServerGone(graceMs) {
      err.write(`\nthe server does not answer; waiting up to ${graceMs / 1000}s for it to come back…\n`);
    },
  };
}
