import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { processIs } from './proc.ts';

/**
 * processIs against real processes that exec: the health check and the
 * supervision ask it about instances that are still exec'ing their program
 * (`sh -c 'exec …'`), when /proc/<pid>/environ reads empty or half-written.
 */
describe('processIs', () => {
  const started: ChildProcess[] = [];
  const marked = (env: Map<string, string>) => env.get('CUTOVER_TEST_MARK') === 'yes';
  const start = async (command: string, mark: boolean) => {
    const child = spawn('sh', ['-c', command], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(mark ? { CUTOVER_TEST_MARK: 'yes' } : {}) }, stdio: 'ignore' });
    started.push(child);
    await once(child, 'spawn');
    return child;
  };
  const stop = async (child: ChildProcess) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map(stop));
  });

  it('never says no about a live marked process while it execs (two execs, polled in a tight loop)', async () => {
    let wrong = 0;
    for (let trial = 0; trial < 40; trial++) {
      const child = await start('exec sh -c "exec sleep 30"', true);
      // The exec's window is right after the start: poll through it and a little after.
      for (let read = 0; read < 400; read++) if (!processIs(child.pid!, marked)) wrong++;
      await stop(child);
    }
    expect(wrong).toBe(0);
  }, 120_000);

  it('says no about a live process without the mark, and about one that has exited', async () => {
    const unmarked = await start('exec sleep 30', false);
    expect(processIs(unmarked.pid!, marked)).toBe(false);
    const gone = await start('exec sleep 30', true);
    expect(processIs(gone.pid!, marked)).toBe(true);
    await stop(gone);
    expect(processIs(gone.pid!, marked)).toBe(false);
  });
});
