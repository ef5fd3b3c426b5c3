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

  it('numbers revisions per service from 1, each environment on its own', () => {
    const s = open();
    const spec = { name: 'hello' } as never;
    const dev = { service: 'hello', environment: 'development' };
    const prod = { service: 'hello', environment: 'production' };
    expect(s.services.addRevision(dev, { version: '1', digest: 'd', spec, document: {}, createdAt: 1 }).number).toBe(1);
    expect(s.services.addRevision(dev, { version: '2', digest: 'd', spec, document: {}, createdAt: 2 }).number).toBe(2);
    expect(s.services.addRevision({ service: 'other', environment: 'development' }, { version: '1', digest: 'd', spec, document: {}, createdAt: 3 }).number).toBe(1);
    expect(s.services.addRevision(prod, { version: '1', digest: 'd', spec, document: {}, createdAt: 4 }).number).toBe(1);
    expect(s.services.revision(prod, 1)?.createdAt).toBe(4);
  });

  it('keeps the same name in two environments as two services that never touch each other', () => {
    const s = open();
    const spec = (environment: string, port: number) => ({ name: 'hello', environment, port }) as never;
    s.services.upsert(spec('development', 8001));
    s.services.upsert(spec('production', 8002));
    s.services.setStableRevision({ service: 'hello', environment: 'production' }, 3);
    s.services.markDeleted({ service: 'hello', environment: 'development' });
    expect(s.services.named('hello').map((r) => [r.environment, r.port, r.stableRevision])).toEqual([['production', 8002, 3]]);
    s.locks.acquire({ service: 'hello', environment: 'production', holder: 'ops', message: 'freeze', acquiredAt: 1 });
    expect(s.locks.get({ service: 'hello', environment: 'development' })).toBeNull();
    const d = s.deployments.create({ ...init, environment: 'production' });
    expect(s.deployments.active({ service: 'hello', environment: 'development' })).toBeNull();
    expect(s.deployments.active({ service: 'hello', environment: 'production' })?.id).toBe(d.id);
    expect(s.deployments.eventsAfter(0, { environment: 'development' })).toEqual([]);
    expect(s.deployments.eventsAfter(0, { service: 'hello', environment: 'production' }).map((e) => e.type)).toEqual(['DeploymentCreated']);
  });

  it('lists only live instances and those due for retirement', () => {
    const s = open();
    const ref = { service: 'hello', environment: 'development' };
    s.instances.insert({ id: 'a', ...ref, revision: 1, port: 1, dir: '/x', logPath: '/x.log' });
    s.instances.insert({ id: 'b', ...ref, revision: 1, port: 2, dir: '/x', logPath: '/x.log' });
    s.instances.insert({ id: 'c', service: 'hello', environment: 'production', revision: 1, port: 3, dir: '/x', logPath: '/x.log' });
    s.instances.update('b', { state: 'stopped' });
    s.instances.update('a', { state: 'ready', retireAt: 5 });
    expect(s.instances.live(ref).map((i) => i.id)).toEqual(['a']);
    expect(s.instances.dueForRetirement(4)).toEqual([]);
    expect(s.instances.dueForRetirement(5).map((i) => i.id)).toEqual(['a']);
  });

  it('gives router config generations that only grow', () => {
    const s = open();
    const ref = { service: 'hello', environment: 'development' };
    s.routers.save({ ...ref, mark: 'development/hello', pid: null, adminPort: 1, generation: 0 });
    expect(s.routers.nextGeneration(ref)).toBe(1);
    expect(s.routers.nextGeneration(ref)).toBe(2);
    expect(s.routers.nextGeneration({ service: 'hello', environment: 'production' })).toBe(1);
  });
});
