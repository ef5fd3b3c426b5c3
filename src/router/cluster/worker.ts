import { isCutoverError, messageOf } from '../../core/errors.ts';
import { DataPlane } from '../data-plane.ts';
import type { RouterLogger } from '../log.ts';
import type { FromWorker, ToWorker } from './messages.ts';

/**
 * A router worker: one of the processes that share the traffic ports and
 * proxy requests. It serves the configs its supervisor sends (the
 * supervisor persists them), answers its counters, and stops gracefully
 * on SIGTERM or when its supervisor is gone.
 */
export function runWorker(log: RouterLogger, stopTimeoutMs: number): void {
  // The supervisor keeps the state file; a worker never writes it.
  const dataPlane = new DataPlane(undefined, log, stopTimeoutMs);
  const send = (message: FromWorker): void => {
    if (process.connected) process.send?.(message);
  };
  let applying: Promise<unknown> = Promise.resolve();
  process.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'apply':
        // Applied one at a time and in order, like pushes to a single router.
        applying = applying.then(() =>
          dataPlane.apply(message.config).then(
            () => send({ type: 'applied', id: message.id, ports: dataPlane.ports() }),
            (error: unknown) => send({ type: 'failed', id: message.id, code: isCutoverError(error) ? error.code : 'Internal', message: messageOf(error) }),
          ),
        );
        return;
      case 'stats':
        send({ type: 'stats', id: message.id, stats: dataPlane.stats() });
        return;
      case 'samples':
        send({ type: 'samples', id: message.id, samples: dataPlane.samples(message.after) });
        return;
      default: {
        const unknown: never = message;
        log.warn({ event: 'unknown-message', message: unknown }, 'worker ignored an unknown message');
      }
    }
  });
  let stopping = false;
  const stop = (why: string): void => {
    // The process group's SIGTERM and the supervisor's may both arrive: one graceful stop is enough.
    if (stopping) return;
    stopping = true;
    log.info({ event: 'worker-stopping', why }, 'router worker stopping');
    dataPlane.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ event: 'stop-failed', error: messageOf(error) }, 'router worker stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Without its supervisor nobody restarts it or persists configs: the control plane restarts the whole router.
  process.on('disconnect', () => stop('supervisor gone'));
  send({ type: 'ready' });
}
