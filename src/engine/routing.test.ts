import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../monitoring/logger.ts';
import { openStore, type Store } from '../store/index.ts';
import type { TrafficConfig } from '../traffic/traffic-router.ts';
import { sampleSpec } from '../../test/support/sample-spec.ts';
import type { EngineContext } from './context.ts';
import { syncRouter } from './routing.ts';

/**
 * Router pushes coalesce: a syncRouter called while a push of the same
 * service waits its turn joins it (that push reads the store after the
 * call), so a burst of changes costs two pushes, and the router still ends
 * up with every change.
 */
describe('syncRouter', () => {
  let root = '';
  let store: Store;
  let ctx: EngineContext;
  const pushed: TrafficConfig[] = [];
  let release: (() => void) | undefined;
  const ref = { service: 'hello', environment: 'development' };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cutover-routing-'));
    store = openStore(join(root, 'cutover.db'));
    pushed.length = 0;
    const traffic = {
      // The first push hangs until released: everything asked meanwhile queues behind it.
      apply: (config: TrafficConfig) => {
        pushed.push(config);
        return pushed.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
    };
    ctx = { dataDir: root, store, log: silentLogger(), traffic, platform: {} } as unknown as EngineContext;
    const spec = sampleSpec({ ...ref, name: ref.service });
    store.services.upsert(spec);
    store.services.addRevision(ref, { version: '1.0.0', digest: 'sha256:x', spec, document: {}, createdAt: Date.now() });
  });

  /** A push may wait for its turn (core/fair-turns.ts): the first one has begun once the router was given its config. */
  async function firstPushStarted(): Promise<void> {
    for (let turns = 0; pushed.length === 0 && turns < 100; turns++) await new Promise((resolve) => setImmediate(resolve));
    expect(pushed).toHaveLength(1);
  }

  afterEach(() => {
    store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('joins the push waiting for its turn, and the last push carries every change made before the calls', async () => {
    const first = syncRouter(ctx, ref);
    await firstPushStarted();
    expect(pushed).toHaveLength(1);
    // Ten instances turning ready while the first push runs: each written, then a push asked for.
    const waiting: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) {
      const instance = store.instances.insert({ id: `i-${i}`, ...ref, revision: 1, port: 9000 + i, dir: root, logPath: join(root, `${i}.log`) });
      store.instances.update(instance.id, { state: 'ready', inRotation: true });
      waiting.push(syncRouter(ctx, ref));
    }
    expect(new Set(waiting).size).toBe(1);
    release!();
    await Promise.all([first, ...waiting]);
    expect(pushed).toHaveLength(2);
    expect(pushed[0]!.backends).toEqual([]);
    expect(pushed[1]!.backends.map((b) => b.id)).toEqual(Array.from({ length: 10 }, (_, i) => `i-${i}`));
    expect(pushed[1]!.versions).toEqual({ 1: '1.0.0' });
    // Once it has run, a new call is a new push.
    await syncRouter(ctx, ref);
    expect(pushed).toHaveLength(3);
  });

  it('never joins a push that already started: a change made while it runs gets a push of its own', async () => {
    const first = syncRouter(ctx, ref);
    await firstPushStarted();
    store.instances.update(store.instances.insert({ id: 'late', ...ref, revision: 1, port: 9100, dir: root, logPath: join(root, 'late.log') }).id, { state: 'ready', inRotation: true });
    const second = syncRouter(ctx, ref);
    expect(second).not.toBe(first);
    release!();
    await Promise.all([first, second]);
    expect(pushed.map((config) => config.backends.map((b) => b.id))).toEqual([[], ['late']]);
  });
});
