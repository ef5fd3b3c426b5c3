import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../src/core/deployment.ts';
import type { EngineContext } from '../src/engine/context.ts';
import { parseAlertsConfig } from '../src/monitoring/alerts/index.ts';
import { silentLogger } from '../src/monitoring/logger.ts';
import { startMonitoring } from '../src/server/monitoring.ts';
import { EventFeed } from '../src/store/event-feed.ts';
import { LISTENER_STATE_CHANNEL, openStore, type Store, type StoredEvent } from '../src/store/index.ts';
import { freshPostgresDatabase, requirePostgres } from './support/postgres.ts';
import { startReceiver } from './support/webhook-receiver.ts';

const SECRET = `whsec_${Buffer.from('cutover-test-webhook-secret-32b!').toString('base64')}`;

/**
 * The store's event feed (src/store/event-feed.ts): two stores opened on one
 * database stand for two replicas. Each sees every event, whoever wrote it,
 * in sequence order and once; on PostgreSQL a lost notification or a lost
 * LISTEN connection delays an event, never loses it.
 */
const init: Omit<Deployment, 'id'> = {
  service: 'hello', environment: 'development', kind: 'apply', revision: 1, version: '1.0.0', previousRevision: null, stableRevision: null,
  strategy: 'rolling', plan: [{ type: 'promote' }], planHash: 'h', stepIndex: 0, stepStartedAt: null, phase: 'Progressing', ending: null,
  pausedUntil: null, promoteRequested: false, weights: {}, analyses: [], hold: null, message: '', author: 'admin', createdAt: 1, updatedAt: 1, finishedAt: null,
};

const opened: Store[] = [];
const stoppers: (() => void)[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const stop of stoppers.splice(0)) stop();
  for (const store of opened.splice(0)) store.close();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function open(location: string): Store {
  const store = openStore(location);
  opened.push(store);
  return store;
}

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An event inserted without the notification a store sends: as if NOTIFY had been lost on the way. */
function insertUnannounced(store: Store, note: string): void {
  store.db.transaction(() =>
    store.db.prepare('INSERT INTO events (deployment, service, environment, type, data, at) VALUES (NULL, ?, ?, ?, ?, ?)').run('hello', 'development', 'Note', JSON.stringify({ type: 'Note', note }), Date.now()),
  );
}

function feedCases(engine: string, location: () => string) {
  it(`${engine}: every replica's feed carries every event, in order and once, and none that rolled back`, async () => {
    const where = location();
    const a = open(where);
    const b = open(where);
    const seen: StoredEvent[] = [];
    const stop = a.deployments.follow((event) => seen.push(event));
    try {
      const fromB = b.deployments.create(init);
      const fromA = a.deployments.create(init);
      b.deployments.append(fromB.id, { type: 'PromoteRequested', by: 'admin' });
      a.deployments.append(fromA.id, { type: 'PromoteRequested', by: 'admin' });
      // Rolled back: its sequence number may be given again, its row never existed.
      expect(() => a.db.transaction(() => {
        a.deployments.append(fromA.id, { type: 'PauseRequested', by: 'admin' });
        throw new Error('rolled back');
      })).toThrow('rolled back');
      a.deployments.note(fromA, 'RouterRestarted', { reason: 'test' });
      b.deployments.note(fromB, 'RouterRestarted', { reason: 'test' });
      const stored = a.deployments.eventsAfter(0);
      expect(stored).toHaveLength(6);
      await until('all 6 events in the feed', () => seen.length >= 6);
      // A little longer: a duplicate would come in the meantime.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(seen).toEqual(stored);
      expect(seen.some((event) => event.type === 'PauseRequested')).toBe(false);
    } finally {
      stop();
    }
  });

  it(`${engine}: the leader sends the alert of an event another replica wrote, once; a follower sends none`, async () => {
    const where = location();
    const receiver = await startReceiver();
    cleanups.push(() => void receiver.close());
    const alerts = parseAlertsConfig({ sinks: [{ type: 'webhook', url: receiver.url, secret: SECRET }] });
    // Two replicas' monitoring, each on its own connection to the one database, with the same sink.
    const replica = (leads: boolean) => {
      const store = open(where);
      const ctx = { store, log: silentLogger(), fence: { leads: () => leads, check: () => undefined, confirm: () => undefined } } as unknown as EngineContext;
      const monitoring = startMonitoring(ctx, alerts);
      stoppers.push(() => monitoring.stop());
      // As the server does when it wins the lease (server.ts): the leader takes on alerts with its fencing token.
      if (leads) monitoring.lead(1);
      return store;
    };
    replica(true);
    const follower = replica(false);
    // The follower writes the whole deployment, ending in a rollback (the alert needs the state before the last event).
    const d = follower.deployments.create(init);
    follower.deployments.append(d.id, { type: 'EndRequested', phase: 'RolledBack', reason: 'instance hello-1-a exited', code: 'InstanceExited' });
    follower.deployments.append(d.id, { type: 'Finished', phase: 'RolledBack', message: 'rolled back' });
    await until('the rollback alert', () => receiver.received.length > 0);
    // A duplicate, from either replica, would come in the meantime.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const sent = receiver.received.map((r) => (JSON.parse(r.body) as { data: { rule: string; deployment: number; details: { reason: string } } }).data);
    expect(sent).toEqual([expect.objectContaining({ rule: 'deployment-rolled-back', deployment: d.id, details: expect.objectContaining({ reason: 'instance hello-1-a exited' }) })]);
  });
}

describe('event feed on SQLite (replicas share one file and poll it)', () => {
  feedCases('SQLite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutover-feed-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return join(dir, 'cutover.db');
  });
});

const postgres = requirePostgres();
postgres.describe('event feed on PostgreSQL (NOTIFY, then the rows after the last sequence seen)', () => {
  const location = () => {
    const database = freshPostgresDatabase();
    cleanups.push(() => database.drop());
    return database.url;
  };
  feedCases('PostgreSQL', location);

  it('a lost notification or LISTEN connection delays an event, never loses it', async () => {
    const where = location();
    const a = open(where);
    const b = open(where);
    const seen: StoredEvent[] = [];
    // No polling in this hour: only notifications and the LISTEN connection's return can bring events.
    const feed = new EventFeed(a.db, (after) => a.deployments.eventsAfter(after), () => a.deployments.lastSeq(), 3_600_000);
    const stop = feed.subscribe((event) => seen.push(event));
    const states: string[] = [];
    const stopStates = a.db.listen(LISTENER_STATE_CHANNEL, (state) => states.push(state));
    try {
      const d = b.deployments.create(init);
      await until('the created event, by NOTIFY', () => seen.length === 1);

      insertUnannounced(b, 'lost notification');
      b.deployments.append(d.id, { type: 'PromoteRequested', by: 'admin' });
      await until('the unannounced event with the next notified one', () => seen.length === 3);
      expect(seen.map((e) => e.type)).toEqual(['DeploymentCreated', 'Note', 'PromoteRequested']);

      // Written while nobody is told, then a's LISTEN connection is cut: coming back, it reads from the last sequence seen.
      insertUnannounced(b, 'while the listener is away');
      const cut = b.db.prepare("SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()").all();
      expect(cut.length).toBeGreaterThan(0);
      await until('the LISTEN connection lost and back', () => states.includes('back'));
      await until('the event written while it was away', () => seen.length === 4);
      expect(seen).toEqual(a.deployments.eventsAfter(0));
      expect(states.slice(0, 2)).toEqual(['lost', 'back']);
    } finally {
      stop();
      stopStates();
    }
  });
});
