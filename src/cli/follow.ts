import { setTimeout as sleep } from 'node:timers/promises';
import type { StatusView } from '../api/views.ts';
import type { ApiClient } from './client.ts';
import { EXIT, weightsText } from './output.ts';

/** One line describing where a deployment is. */
export function progressLine(status: StatusView): string {
  const healthy = status.instances.filter((i) => i.healthy);
  const byRevision = [...new Set(status.instances.map((i) => i.revision))]
    .sort((a, b) => a - b)
    .map((revision) => `r${revision} ${healthy.filter((i) => i.revision === revision).length}/${status.instances.filter((i) => i.revision === revision).length}`)
    .join(' ');
  const step = status.step.total ? `step ${Math.min(status.step.index + (status.step.current ? 1 : 0), status.step.total)}/${status.step.total}` : 'no steps';
  return `${status.phase.padEnd(11)} ${step}${status.step.current ? ` (${status.step.current})` : ''} · weights ${weightsText(status.weights)} · healthy ${byRevision || 'none'} · ${status.message}`;
}

export function exitCodeOf(status: StatusView): number {
  return status.phase === 'Succeeded' ? EXIT.ok : EXIT.failed;
}

/**
 * Follows a deployment until it ends: a live line on a terminal, plain
 * lines (one per change) otherwise. Resolves with the final status.
 */
export async function followDeployment(client: ApiClient, service: string, deployment: number, options: { untilPaused?: boolean } = {}): Promise<StatusView> {
  const tty = Boolean(process.stdout.isTTY);
  let last = '';
  let lastStep = -1;
  while (true) {
    const status = await client.request<StatusView>('GET', `/v1/services/${encodeURIComponent(service)}`);
    const line = progressLine(status);
    if (line !== last) {
      if (tty) {
        if (status.step.index !== lastStep && last !== '') process.stdout.write('\n');
        process.stdout.write(`\r\x1b[2K${line.slice(0, (process.stdout.columns || 200) - 1)}`);
      } else {
        process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
      }
      last = line;
      lastStep = status.step.index;
    }
    const finished = status.deployment.id !== deployment || status.deployment.finishedAt !== null;
    if (finished || (options.untilPaused && status.phase === 'Paused')) {
      if (tty) process.stdout.write('\n');
      return status;
    }
    await sleep(400);
  }
}
