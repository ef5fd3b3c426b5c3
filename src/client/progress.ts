import type { StatusView } from '../api/views.ts';
import { painter, type Colour } from '../core/colour.ts';
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
 * elsewhere (a log, a pipe, CI) one timestamped line per change, with no
 * redraws and no colour. On a terminal the phase is coloured unless NO_COLOR.
 */
export function terminalProgress(
  out: ProgressOutput = process.stdout,
  err: ProgressOutput = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Required<Pick<FollowOptions, 'onStatus' | 'onServerGone'>> {
  const tty = Boolean(out.isTTY);
  const paint = painter(out, env);
  let last = '';
  let lastStep = -1;
  return {
    onStatus(status, done) {
      const line = progressLine(status);
      if (line !== last) {
        if (tty) {
          if (status.step.index !== lastStep && last !== '') out.write('\n');
          const shown = line.slice(0, (out.columns || 200) - 1);
          out.write(`\r\x1b[2K${shown.startsWith(status.phase) ? paint(PHASE_COLOUR[status.phase] ?? 'bold', status.phase) + shown.slice(status.phase.length) : shown}`);
        } else {
          out.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
        }
        last = line;
        lastStep = status.step.index;
      }
      if (done && tty) out.write('\n');
    },
    onServerGone(graceMs) {
      // On a terminal the live line has no newline yet; elsewhere every line is whole already.
      err.write(`${tty ? '\n' : ''}the server does not answer; waiting up to ${graceMs / 1000}s for it to come back…\n`);
    },
  };
}

/** How a phase is shown on a colour terminal: red for an end that is not success, yellow for a wait on someone. */
const PHASE_COLOUR: Partial<Record<StatusView['phase'], Colour>> = {
  Succeeded: 'green',
  RolledBack: 'red',
  Aborted: 'red',
  Failed: 'red',
  Paused: 'yellow',
  AwaitingApproval: 'yellow',
};
