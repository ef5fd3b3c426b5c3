import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../core/deployment.ts';
import { silentLogger } from '../monitoring/logger.ts';
import { Sandbox } from '../platforms/index.ts';
import type { Platform } from '../platforms/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { ArtifactStore } from '../supply-chain/artifacts.ts';
import { sampleSpec } from '../../test/support/sample-spec.ts';
import { cleanupAfter } from './cleanup.ts';
import { revisionDir, type EngineContext } from './context.ts';
import { folderUsers } from './folders.ts';
import { ensureRevisionUnpacked, startInstance } from './instances.ts';

/**
 * Issue 12, finding 5, at the engine's level: cleanup after a deployment and
 * the start of an instance in a folder cleanup would remove (a revision with
 * no instance left: a rollback target, a replacement after a crash) race.
 * The start must never be handed a folder that is gone or going.
 */
const FILES = 60;

describe('revision folders and instance starts', () => {
  let root = '';
  let store: Store;
  let ctx: EngineContext;
  const startedIn: { dir: string; present: boolean }[] = [];

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'cutover-folders-'));
    store = openStore(join(root, 'cutover.db'));
    const files = join(root, 'artifact');
    mkdirSync(files);
    writeFileSync(join(files, 'index.html'), 'hello\n');
    // Enough files that removing the folder takes a while: a start may look while it is half gone.
    mkdirSync(join(files, 'static'));
    for (let i = 0; i < FILES; i++) writeFileSync(join(files, 'static', `${i}.txt`), `${i}\n`);
    const artifacts = new ArtifactStore(join(root, 'artifacts'));
    const chunks: Buffer[] = [];
    for await (const chunk of create({ gzip: true, cwd: files }, ['index.html', 'static'])) chunks.push(chunk as Buffer);
    const { digest } = await artifacts.put(Buffer.concat(chunks));
    const platform: Partial<Platform> = {
      // What a process started here would see: its working directory, whole.
      start: async (launch) => {
        startedIn.push({ dir: launch.dir, present: existsSync(join(launch.dir, 'index.html')) });
        return { pid: 1 };
      },
    };
    ctx = {
      dataDir: root,
      store,
      platform: platform as Platform,
      artifacts,
      log: silentLogger(),
      environments: {},
      policies: [],
      advisoryDb: null,
      secrets: { environment: async () => ({}) } as unknown as EngineContext['secrets'],
      sandbox: Sandbox.open({ mode: 'none', runAs: { user: 'nobody', group: 'nogroup' }, environments: {}, revisionsDir: null }, { hidden: [], revisionsDir: join(root, 'revisions') }, silentLogger()),
      traffic: {} as EngineContext['traffic'],
    };
    const spec = sampleSpec({ name: 'py', environment: 'development' });
    store.services.upsert(spec);
    for (const version of ['1.0.0', '1.0.1']) store.services.addRevision({ service: 'py', environment: 'development' }, { version, digest, spec: { ...spec, version }, document: {}, createdAt: Date.now() });
    startedIn.length = 0;
  });

  afterEach(() => {
    store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('never starts an instance in a folder that cleanup removed: the start and the removal are decided under one lock', async () => {
    const ref = { service: 'py', environment: 'development' };
    const older = store.services.revision(ref, 1)!;
    // The deployment of revision 2 just ended; revision 1 has no instance, so its folder is cleanup's to remove.
    const ended = { id: 1, ...ref, revision: 2, previousRevision: 1, version: '1.0.1' } as Deployment;
    for (let trial = 0; trial < 8; trial++) {
      // There, as a rollback finds it (it unpacks before its deployment begins).
      await ensureRevisionUnpacked(ctx, older);
      // Cleanup first, the start a little later each trial: before, during and after the removal.
      const cleaned = cleanupAfter(ctx, ended);
      await sleep(trial % 5);
      const instance = await startInstance(ctx, older);
      await cleaned;
      // As long as the instance is recorded live, the folder it started in is there, whole.
      expect(readdirSync(join(instance.dir, 'static')).length + Number(existsSync(join(instance.dir, 'index.html'))), `trial ${trial}`).toBe(FILES + 1);
      store.instances.update(instance.id, { state: 'stopped' });
      // Without users, the next cleanup removes it.
      expect(folderUsers(ctx, instance.dir)).toBe(0);
      await cleanupAfter(ctx, ended);
      expect(existsSync(revisionDir(ctx, ref, 1)), `trial ${trial}`).toBe(false);
    }
    expect(startedIn.filter((start) => !start.present)).toEqual([]);
    expect(startedIn).toHaveLength(8);
  }, 60_000);
});
