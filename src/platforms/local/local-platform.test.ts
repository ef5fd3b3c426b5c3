import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIsolationConfig, Sandbox } from '../isolation/index.ts';
import { LocalPlatform } from './local-platform.ts';

/**
 * The health check asks isRunning about an instance from the moment it
 * starts, while its command may still be exec'ing (`sh -c 'exec python3 …'`):
 * a single wrong "no" there rolled a good release back in CI.
 */
describe('the local platform while an instance execs its program', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutover-local-platform-'));
  const sandbox = Sandbox.open(parseIsolationConfig({ mode: 'none' }), { hidden: [join(dir, 'data')], revisionsDir: join(dir, 'revisions') }, { info: () => undefined, warn: () => undefined });
  const platform = new LocalPlatform('b'.repeat(32), sandbox);
  const ids: { id: string; pid: number }[] = [];
  afterAll(async () => {
    for (const { id, pid } of ids) await platform.stop(id, pid, 1000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('says every started instance runs, read in a tight loop through its execs, and not once it is stopped', async () => {
    let wrong = 0;
    for (let trial = 0; trial < 20; trial++) {
      const id = `exec-${trial}`;
      const { pid } = await platform.start({ id, service: 'exec', environment: 'development', revision: 1, version: '1.0.0', dir, command: ['sh', '-c', 'exec sh -c "exec sleep 30"'], env: {}, port: 1, logPath: join(dir, `${id}.log`) });
      ids.push({ id, pid });
      for (let read = 0; read < 400; read++) if (!platform.isRunning(id, pid)) wrong++;
      await platform.stop(id, pid, 1000);
      expect(platform.isRunning(id, pid), `trial ${trial}: stopped`).toBe(false);
    }
    expect(wrong).toBe(0);
  }, 120_000);
});
