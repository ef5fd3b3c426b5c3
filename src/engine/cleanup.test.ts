import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import type { Deployment } from '../core/deployment.ts';
import { silentLogger } from '../monitoring/logger.ts';
import { Sandbox } from '../platforms/index.ts';
import { openStore } from '../store/index.ts';
import { sampleSpec } from '../../test/support/sample-spec.ts';
import { cleanupAfter, PRUNE_AFTER_MS } from './cleanup.ts';
import type { EngineContext } from './context.ts';

const roots: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

it('prunes artifacts once for every deployment that ends within PRUNE_AFTER_MS, though each runner has a context of its own', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cutover-cleanup-'));
  roots.push(root);
  const store = openStore(join(root, 'cutover.db'));
  const spec = sampleSpec({ name: 'py', environment: 'development' });
  const ref = { service: 'py', environment: 'development' };
  store.services.upsert(spec);
  store.services.addRevision(ref, { version: '1', digest: 'd1', spec, document: {}, createdAt: 1 });
  const ctx = {
    dataDir: root,
    store,
    log: silentLogger(),
    environments: {},
    sandbox: Sandbox.open({ mode: 'none', runAs: { user: 'nobody', group: 'nogroup' }, environments: {}, revisionsDir: null }, { hidden: [], revisionsDir: join(root, 'revisions') }, silentLogger()),
  } as unknown as EngineContext;
  const passes = vi.spyOn(store.services, 'prunableDigests').mockReturnValue([]);
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  const d = { id: 1, ...ref, revision: 1, version: '1', previousRevision: null } as unknown as Deployment;
  // What a DeploymentRunner does: its own context object, with its own logger, sharing the store.
  for (let i = 0; i < 3; i++) await cleanupAfter({ ...ctx, log: silentLogger() }, d);
  vi.advanceTimersByTime(PRUNE_AFTER_MS);
  expect(passes).toHaveBeenCalledTimes(1);
  await cleanupAfter({ ...ctx, log: silentLogger() }, d);
  vi.advanceTimersByTime(PRUNE_AFTER_MS);
  expect(passes).toHaveBeenCalledTimes(2);
  store.close();
});
