import { describe, expect, it } from 'vitest';
import type { Fence } from '../../engine/fence.ts';
import type { Platform } from '../../platforms/index.ts';
import { FencedPlatform } from './fenced.ts';

/** A fence that refuses every action: this replica was deposed. */
const deposed: Fence = {
  check: (action) => {
    throw new Error(`lost leadership: refused to ${action}`);
  },
  confirm: (action) => {
    throw new Error(`lost leadership: refused to ${action}`);
  },
  leads: () => false,
};

/** Every method of the platform contract, each answering with its own name (the wrapper is what is under test). */
const inner: Required<Platform> = {
  type: 'swarm',
  prepare: async () => undefined,
  start: async () => ({ pid: 1 }),
  stop: async () => undefined,
  isRunning: () => true,
  find: () => 7,
  orphans: () => [{ id: 'orphan', pid: 9 }],
  fromPreviousRelease: () => true,
  probe: async () => ({ ok: true, detail: 'probe' }),
  exitOf: () => ({ code: 3, signal: null }),
  addressOf: () => '10.0.0.2',
  placeOf: () => 'node worker-1 (10.0.0.2)',
};

describe('FencedPlatform', () => {
  const fenced = new FencedPlatform(inner, deposed);

  it('lets a deposed replica read everything the platform knows, optional reads included', async () => {
    expect(fenced.isRunning('a', 1)).toBe(true);
    expect(fenced.find('a')).toBe(7);
    expect(fenced.orphans(new Set())).toEqual([{ id: 'orphan', pid: 9 }]);
    expect(fenced.fromPreviousRelease('a', 1)).toBe(true);
    expect(await fenced.probe({ id: 'a', port: 1 }, '/healthz', 100)).toEqual({ ok: true, detail: 'probe' });
    expect(fenced.exitOf('a')).toEqual({ code: 3, signal: null });
    // Without these a leader on swarm routed every task to 127.0.0.1 and named no node.
    expect(fenced.addressOf('a')).toBe('10.0.0.2');
    expect(fenced.placeOf('a')).toBe('node worker-1 (10.0.0.2)');
  });

  it('wraps every method of the contract: a method added to Platform must be decided here, read or guarded', () => {
    const wrapped = new Set(Object.getOwnPropertyNames(FencedPlatform.prototype));
    for (const method of Object.keys(inner).filter((key) => key !== 'type')) expect(wrapped, method).toContain(method);
  });

  it('refuses a deposed replica every start, stop and preparation', async () => {
    await expect(fenced.prepare()).rejects.toThrow(/lost leadership: refused to prepare the platform/);
    expect(() => fenced.start({ id: 'a' } as Parameters<Platform['start']>[0])).toThrow(/refused to start instance a/);
    expect(() => fenced.stop('a', 1, 0)).toThrow(/refused to stop instance a/);
  });
});
