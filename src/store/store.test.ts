import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { foldEvents, type Deployment, type DeploymentEvent } from '../core/deployment.ts';
import { openStore, type Store } from './index.ts';

let dir = '';
let store: Store | null = null;

afterEach(() => {
  store?.close();
  store = null;
  rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function open(): Store {
  dir ||= mkdtempSync(join(tmpdir(), 'cutover-store-'));
  store = openStore(join(dir, 'cutover.db'));
  return store;
}

const init: Omit<Deployment, 'id'> = {
  service: 'hello', environment: 'development', kind: 'apply', revision: 1, version: '1.0.0', previousRevision: null, stableRevision: null,
  strategy: 'rolling', plan: [{ type: 'promote' }], planHash: 'h', stepIndex: 0, stepStartedAt: null, phase: 'Progressing', ending: null,
  pausedUntil: null, promoteRequested: false, weights: {}, analyses: [], hold: null, message: '', author: 'admin', createdAt: 1, updatedAt: 1, finishedAt: null,
};

describe('the store (real SQLite)', () => {
  it('keeps each deployment projection equal to the fold of its events', () => {
    const s = open();
    const d = s.deployments.create(init);
    s.deployments.append(d.id, { type: 'StepStarted', index: 0, message: 'promote' });
    s.deployments.append(d.id, { type: 'StepCompleted', index: 0 });
    s.deployments.append(d.id, { type: 'Finished', phase: 'Succeeded', message: 'ok' });
    const events = s.deployments.events(d.id).map((e) => ({ event: e.data as DeploymentEvent, at: e.at }));
    expect(foldEvents(events)).toEqual(s.deployments.get(d.id));
    expect(s.deployments.get(d.id)?.phase).toBe('Succeeded');
    expect(s.deployments.unfinished()).toEqual([]);
  });

  it('keeps what it acknowledged across a reopen', () => {
    let s = open();
    const d = s.deployments.create(init);
    s.deployments.append(d.id, { type: 'StepStarted', index: 0, message: 'x' });
    s.close();
    s = open();
    expect(s.deployments.unfinished().map((u) => u.id)).toEqual([d.id]);
    expect(s.deployments.get(d.id)?.stepStartedAt).not.toBeNull();
  });

  it('numbers revisions per service from 1', () => {
    const s = open();
    const spec = { name: 'hello' } as never;
    expect(s.services.addRevision('hello', { version: '1', digest: 'd', spec, document: {}, createdAt: 1 }).number).toBe(1);
    expect(s.services.addRevision('hello', { version: '2', digest: 'd', spec, document: {}, createdAt: 2 }).number).toBe(2);
    expect(s.services.addRevision('other', { version: '1', digest: 'd', spec, document: {}, createdAt: 3 }).number).toBe(1);
  });

  it('lists only live instances and those due for retirement', () => {
    const s = open();
    s.instances.insert({ id: 'a', service: 'hello', revision: 1, port: 1, dir: '/x', logPath: '/x.log' });
    s.instances.insert({ id: 'b', service: 'hello', revision: 1, port: 2, dir: '/x', logPath: '/x.log' });
    s.instances.update('b', { state: 'stopped' });
    s.instances.update('a', { state: 'ready', retireAt: 5 });
    expect(s.instances.live('hello').map((i) => i.id)).toEqual(['a']);
    expect(s.instances.dueForRetirement(4)).toEqual([]);
    expect(s.instances.dueForRetirement(5).map((i) => i.id)).toEqual(['a']);
  });

  it('gives router config generations that only grow', () => {
    const s = open();
    s.routers.save({ service: 'hello', pid: null, adminPort: 1, generation: 0 });
    expect(s.routers.nextGeneration('hello')).toBe(1);
    expect(s.routers.nextGeneration('hello')).toBe(2);
  });
});
