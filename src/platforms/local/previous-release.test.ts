import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { parseIsolationConfig, Sandbox } from '../isolation/index.ts';
import { LocalPlatform, signalGroup } from './local-platform.ts';
import { PreviousReleaseMarks } from './previous-release.ts';

const DATA_DIR = '/srv/cutover-upgrade-test';
const MARK = 'a'.repeat(32);
const sandbox = Sandbox.open(parseIsolationConfig({ mode: 'none' }), { hidden: [DATA_DIR], revisionsDir: `${DATA_DIR}-revisions` }, { info: () => undefined, warn: () => undefined });
const started: number[] = [];

/** A process that lives until the test ends, with exactly the given environment (as a release would have started it). */
async function processWith(env: Record<string, string>, options: { uid?: number } = {}): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { detached: true, stdio: 'ignore', env, ...options });
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid!));
    child.once('error', reject);
  });
  child.unref();
  started.push(pid);
  return pid;
}

afterEach(() => {
  for (const pid of started.splice(0)) signalGroup(pid, 'SIGKILL');
});

describe("the local platform and the previous release's instances", () => {
  const platform = new LocalPlatform(MARK, sandbox, new PreviousReleaseMarks(DATA_DIR));

  it('recognises an instance marked with this data dir and its id, and says it came from the previous release', async () => {
    const pid = await processWith({ CUTOVER_DATA_DIR: DATA_DIR, CUTOVER_INSTANCE: 'web-r1-old' });
    expect(platform.isRunning('web-r1-old', pid)).toBe(true);
    expect(platform.find('web-r1-old')).toBe(pid);
    expect(platform.fromPreviousRelease('web-r1-old', pid)).toBe(true);
    // Not its id: not it.
    expect(platform.isRunning('web-r1-other', pid)).toBe(false);
    // Left over (no record owns it): an orphan, stopped like one of this release's.
    expect(platform.orphans(new Set())).toContainEqual({ id: 'web-r1-old', pid });
    expect(platform.orphans(new Set(['web-r1-old']))).not.toContainEqual({ id: 'web-r1-old', pid });
  });

  it("recognises this release's own instances by the opaque mark, as before", async () => {
    const pid = await processWith({ CUTOVER_MARK: MARK, CUTOVER_INSTANCE: 'web-development-r2-new' });
    expect(platform.isRunning('web-development-r2-new', pid)).toBe(true);
    expect(platform.fromPreviousRelease('web-development-r2-new', pid)).toBe(false);
  });

  it("adopts nothing foreign: another data dir's instance, a process with another server's mark, or no previous-release marks configured", async () => {
    const other = await processWith({ CUTOVER_DATA_DIR: '/srv/another', CUTOVER_INSTANCE: 'web-r1-a' });
    // An instance of this release (or another server's) carrying the old variable too is judged by its opaque mark only.
    const marked = await processWith({ CUTOVER_DATA_DIR: DATA_DIR, CUTOVER_MARK: 'b'.repeat(32), CUTOVER_INSTANCE: 'web-r1-b' });
    expect(platform.isRunning('web-r1-a', other)).toBe(false);
    expect(platform.find('web-r1-a')).toBeNull();
    expect(platform.isRunning('web-r1-b', marked)).toBe(false);
    expect(platform.orphans(new Set()).map(({ pid }) => pid)).not.toContain(other);
    expect(platform.orphans(new Set()).map(({ pid }) => pid)).not.toContain(marked);
    const old = await processWith({ CUTOVER_DATA_DIR: DATA_DIR, CUTOVER_INSTANCE: 'web-r1-c' });
    expect(new LocalPlatform(MARK, sandbox).isRunning('web-r1-c', old)).toBe(false);
  });

  it.runIf(process.getuid?.() === 0)("adopts no process of another user: the previous release ran every instance as the server's user", async () => {
    // An isolated instance of this release (user nobody) that forges the old marks is not taken for one.
    const forged = await processWith({ CUTOVER_DATA_DIR: DATA_DIR, CUTOVER_INSTANCE: 'web-r1-d' }, { uid: 65534 });
    expect(platform.isRunning('web-r1-d', forged)).toBe(false);
    expect(platform.orphans(new Set()).map(({ pid }) => pid)).not.toContain(forged);
  });
});
