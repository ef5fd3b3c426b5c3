import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Deployment } from '../core/deployment.ts';
import type { EngineContext } from '../engine/context.ts';
import { openStore, type Store } from '../store/index.ts';
import { sampleSpec } from '../../test/support/sample-spec.ts';
import { ServiceList, jsonArray } from './service-list.ts';
import type { StatusView } from './views.ts';

const init = (service: string): Omit<Deployment, 'id'> => ({
  service, environment: 'production', kind: 'apply', revision: 1, version: '1.0.0', previousRevision: null, stableRevision: null,
  strategy: 'rolling', plan: [{ type: 'promote' }], planHash: 'h', stepIndex: 0, stepStartedAt: null, phase: 'Progressing', ending: null,
  pausedUntil: null, promoteRequested: false, weights: {}, analyses: [], hold: null, message: '', author: 'admin', createdAt: 1, updatedAt: 1, finishedAt: null,
});

/** What `GET /v1/services` answers, kept rendered: on a real SQLite store, each answer as new as the request, rendered again only where something changed. */
describe('the service list', () => {
  let dir = '';
  let store: Store | null = null;
  let list: ServiceList | null = null;
  afterEach(async () => {
    await list?.stop();
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    list = store = null;
  });

  const setUp = () => {
    dir = mkdtempSync(join(tmpdir(), 'cutover-list-'));
    const s = (store = openStore(join(dir, 'cutover.db')));
    for (const [name, port] of [['a', 9001], ['b', 9002], ['c', 9003]] as const) s.services.upsert(sampleSpec({ name, port }));
    s.deployments.create(init('a'));
    s.deployments.create(init('b'));
    s.instances.insert({ id: 'a1', service: 'a', environment: 'production', revision: 1, port: 1, dir: '/r', logPath: '/x.log' });
    s.instances.insert({ id: 'b1', service: 'b', environment: 'production', revision: 1, port: 2, dir: '/r', logPath: '/x.log' });
    list = new ServiceList({ store: s, log: { warn: () => undefined } } as unknown as EngineContext);
    return { s, list };
  };
  const views = async (l: ServiceList, name?: string, visible: (environment: string) => boolean = () => true) =>
    (await l.statuses(name, visible)).map((json) => JSON.parse(json.toString('utf8')) as StatusView);

  it('answers each service with a deployment, in order, with every change written before the request', async () => {
    const { s, list: l } = setUp();
    // c has no deployment yet: left out, as before.
    expect((await views(l)).map((v) => [v.service, v.instances.map((i) => [i.id, i.state, i.healthy])])).toEqual([
      ['a', [['a1', 'starting', false]]],
      ['b', [['b1', 'starting', false]]],
    ]);
    s.instances.update('a1', { state: 'ready', pid: 42 });
    s.services.setStableRevision({ service: 'b', environment: 'production' }, 1);
    s.deployments.create(init('c'));
    const now = await views(l);
    expect(now.map((v) => v.service)).toEqual(['a', 'b', 'c']);
    // Healthy is the store's state here (no platform check per instance).
    expect(now[0]!.instances).toEqual([{ id: 'a1', revision: 1, pid: 42, port: 1, healthy: true, state: 'ready' }]);
    expect(now[1]!.stableRevision).toBe(1);
    s.services.markDeleted({ service: 'b', environment: 'production' });
    expect((await views(l)).map((v) => v.service)).toEqual(['a', 'c']);
    expect((await views(l, 'a')).map((v) => v.service)).toEqual(['a']);
    expect(await views(l, 'a', (environment) => environment !== 'production')).toEqual([]);
  });

  it('renders again only the services that changed since the last answer', async () => {
    const { s, list: l } = setUp();
    await views(l);
    const read = vi.spyOn(s.deployments, 'latestOfEach');
    await views(l);
    expect(read).not.toHaveBeenCalled();
    s.instances.update('b1', { state: 'draining' });
    expect((await views(l)).find((v) => v.service === 'b')?.instances[0]?.state).toBe('draining');
    expect(read.mock.calls.map(([names]) => names)).toEqual([['b']]);
  });

  it('renders what changed in the background once started, so a request finds it ready', async () => {
    const { s, list: l } = setUp();
    const read = vi.spyOn(s.deployments, 'latestOfEach');
    l.start(20);
    const deadline = Date.now() + 15_000;
    while (read.mock.calls.length === 0 && Date.now() < deadline) await sleep(20);
    expect(read.mock.calls[0]?.[0]).toEqual(['a', 'b', 'c']);
    s.instances.update('a1', { state: 'ready' });
    while (read.mock.calls.length < 2 && Date.now() < deadline) await sleep(20);
    expect(read.mock.calls[1]?.[0]).toEqual(['a']);
    await l.stop();
    read.mockClear();
    expect((await views(l))[0]!.instances[0]!.state).toBe('ready');
    expect(read).not.toHaveBeenCalled();
  });
});

describe('jsonArray', () => {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  it.each([
    ['no item', []],
    ['one item', [{ a: 1 }]],
    ['several, with characters UTF-8 spells in more than one byte', [{ message: 'déjà → 5 × 2' }, { emoji: '🚀' }, [1, 'x']]],
  ])('%s: the same JSON as JSON.stringify of the array', (_name, items: unknown[]) => {
    const bytes = jsonArray('services', items.map(json));
    expect(bytes.toString('utf8')).toBe(JSON.stringify({ services: items }));
  });
});
