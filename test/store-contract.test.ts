import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { foldEvents, type Deployment, type DeploymentEvent } from '../src/core/deployment.ts';
import { AuditLog } from '../src/security/audit/audit-log.ts';
import { IdentityStore } from '../src/security/identity/identity-store.ts';
import { MIGRATIONS } from '../src/store/migrations.ts';
import { POSTGRES_MIGRATIONS } from '../src/store/migrations-postgres.ts';
import { DIGEST_SUCCESSES_BACKFILL } from '../src/store/migrations/digest-successes.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { Dialect } from '../src/store/sql/index.ts';
import { freshPostgresDatabase, requirePostgres } from './support/postgres.ts';

/**
 * The store contract: what every store must do, run unchanged against the
 * embedded SQLite file and a fresh PostgreSQL database (a real server).
 */
interface Engine {
  name: string;
  gate: { describe(name: string, body: () => void): void };
  /** A location for openStore: the same one each call within a test. */
  location(): string;
  /** Forgets the location (the next test gets an empty one). */
  reset(): void;
  cleanup(): void;
}

function sqliteEngine(): Engine {
  let dir = '';
  return {
    name: 'SQLite',
    gate: { describe },
    location: () => join((dir ||= mkdtempSync(join(tmpdir(), 'cutover-store-'))), 'cutover.db'),
    reset: () => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = '';
    },
    cleanup: () => undefined,
  };
}

function postgresEngine(): Engine {
  let database: ReturnType<typeof freshPostgresDatabase> | null = null;
  const gate = requirePostgres();
  return {
    name: 'PostgreSQL',
    gate,
    location: () => (database ??= freshPostgresDatabase()).url,
    reset: () => {
      database?.drop();
      database = null;
    },
    cleanup: () => database?.drop(),
  };
}

const init: Omit<Deployment, 'id'> = {
  service: 'hello', environment: 'development', kind: 'apply', revision: 1, version: '1.0.0', previousRevision: null, stableRevision: null,
  strategy: 'rolling', plan: [{ type: 'promote' }], planHash: 'h', stepIndex: 0, stepStartedAt: null, phase: 'Progressing', ending: null,
  pausedUntil: null, promoteRequested: false, weights: {}, analyses: [], hold: null, message: '', author: 'admin', createdAt: 1, updatedAt: 1, finishedAt: null,
};


for (const engine of [sqliteEngine(), postgresEngine()]) {
  let store: Store | null = null;
  const open = (): Store => (store = openStore(engine.location()));

  engine.gate.describe(`the store contract on ${engine.name}`, () => {
    afterEach(() => {
      store?.close();
      store = null;
      engine.reset();
    });
    afterAll(() => engine.cleanup());

  describe('the store', () => {
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

    it('gives a service\'s live instances with their revisions\' versions in one query (null for a revision it does not have)', async () => {
      const { sampleSpec } = await import('./support/sample-spec.ts');
      const s = open();
      const ref = { service: 'hello', environment: 'development' };
      s.services.addRevision(ref, { version: '1.0.0', digest: 'd', spec: sampleSpec(), document: {}, createdAt: 1 });
      s.services.addRevision({ ...ref, environment: 'production' }, { version: '9.9.9', digest: 'd', spec: sampleSpec(), document: {}, createdAt: 2 });
      s.instances.insert({ id: 'a', ...ref, revision: 1, port: 1, dir: '/x', logPath: '/x.log' });
      s.instances.insert({ id: 'b', ...ref, revision: 2, port: 2, dir: '/x', logPath: '/x.log' });
      s.instances.insert({ id: 'c', ...ref, revision: 1, port: 3, dir: '/x', logPath: '/x.log' });
      s.instances.update('c', { state: 'stopped' });
      const before = s.db.statementsRun();
      const live = s.instances.liveWithVersions(ref);
      expect(s.db.statementsRun() - before).toBe(1);
      expect(live.map((i) => [i.id, i.revision, i.version])).toEqual([
        ['a', 1, '1.0.0'],
        ['b', 2, null],
      ]);
      expect(live[0]).toMatchObject({ port: 1, state: 'starting', inRotation: false });
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

  describe('alert claims (replicas: each event alerted once across a change of leader)', () => {
    it('starts at the newest event, moves only forward, and refuses a term older than the one that entered last', () => {
      const s = open();
      const d = s.deployments.create(init);
      s.deployments.append(d.id, { type: 'Finished', phase: 'Succeeded', message: 'ok' });
      const newest = s.deployments.lastSeq();
      // A store starts claimed at its newest event when the table is made; a fresh one has none, so 0.
      expect(s.alertClaims.enter(3)).toBe(0);
      expect(s.alertClaims.claim(newest, 3)).toBe(true);
      expect(s.alertClaims.claim(newest, 3)).toBe(false);
      expect(s.alertClaims.claim(newest - 1, 3)).toBe(false);
      // A new term starts where the last claim ended; the old term claims nothing from then on.
      expect(s.alertClaims.enter(4)).toBe(newest);
      expect(s.alertClaims.claim(newest + 1, 3)).toBe(false);
      expect(s.alertClaims.enter(3)).toBeNull();
      expect(s.alertClaims.claim(newest + 1, 4)).toBe(true);
      // The same term entering again (its renewal) keeps the row.
      expect(s.alertClaims.enter(4)).toBe(newest + 1);
    });
  });

  describe('where an artifact succeeded', () => {
    it('is kept as deployments succeed, in the order they first did, and the migration\'s backfill finds the same', async () => {
      const { sampleSpec } = await import('./support/sample-spec.ts');
      const s = open();
      const deploy = (name: string, environment: string, digest: string, phase: 'Succeeded' | 'Failed') => {
        const spec = sampleSpec({ name, environment, port: 9000 + s.services.all().length });
        const ref = { service: name, environment };
        s.services.upsert(spec);
        const revision = s.services.lastRevision(ref) + 1;
        s.services.addRevision(ref, { version: String(revision), digest, spec, document: {}, createdAt: 1 });
        const d = s.deployments.create({ ...init, service: name, environment, revision });
        s.deployments.append(d.id, { type: 'Finished', phase, message: phase });
      };
      deploy('a', 'staging', 'shared', 'Succeeded');
      deploy('b', 'production', 'shared', 'Failed');
      deploy('b', 'development', 'shared', 'Succeeded');
      deploy('c', 'staging', 'shared', 'Succeeded');
      deploy('b', 'production', 'other', 'Succeeded');
      deploy('b', 'production', 'shared', 'Succeeded');
      const kept = { shared: s.deployments.succeededWith('shared'), other: s.deployments.succeededWith('other') };
      expect(kept).toEqual({ shared: ['staging', 'development', 'production'], other: ['production'] });
      s.db.exec('DELETE FROM digest_successes');
      expect(s.deployments.succeededWith('shared')).toEqual([]);
      s.db.exec(DIGEST_SUCCESSES_BACKFILL[s.db.dialect]);
      expect({ shared: s.deployments.succeededWith('shared'), other: s.deployments.succeededWith('other') }).toEqual(kept);
    });
  });

  describe('ports in the store', () => {
    it('finds the live service owning a port or a blue-green preview port, and not a deleted one', async () => {
      const { sampleSpec } = await import('./support/sample-spec.ts');
      const s = open();
      s.services.upsert(sampleSpec({ name: 'a', port: 9001 }));
      s.services.upsert(sampleSpec({ name: 'b', port: 9002, strategy: { type: 'blueGreen', autoPromote: true, scaleDownDelayMs: 0, previewPort: 9003 } }));
      s.services.upsert(sampleSpec({ name: 'c', port: 9004 }));
      s.services.markDeleted({ service: 'c', environment: sampleSpec().environment });
      expect(s.services.owningPort(9001).map((r) => r.name)).toEqual(['a']);
      expect(s.services.owningPort(9003).map((r) => r.name)).toEqual(['b']);
      expect(s.services.owningPort(9004)).toEqual([]);
      expect(s.services.owningPort(9999)).toEqual([]);
    });
  });

  describe('the store reads that do not grow with the number of services', () => {
    it('answers where an artifact succeeded, each service\'s stable size, serving counts and folder users in one query each', async () => {
      const { sampleSpec } = await import('./support/sample-spec.ts');
      const s = open();
      const spec = sampleSpec({ name: 'a', instances: 3 });
      const a = { service: 'a', environment: spec.environment };
      s.services.upsert(spec);
      s.services.addRevision(a, { version: '1', digest: 'shared', spec, document: {}, createdAt: 1 });
      s.services.setStableRevision(a, 1);
      const d = s.deployments.create({ ...init, service: 'a', environment: spec.environment, revision: 1 });
      expect(s.deployments.succeededWith('shared')).toEqual([]);
      s.deployments.append(d.id, { type: 'Finished', phase: 'Succeeded', message: 'ok' });
      expect(s.deployments.succeededWith('shared')).toEqual([spec.environment]);
      expect(s.deployments.succeededWith('other')).toEqual([]);
      expect(s.services.stableSizes()).toEqual([{ ...a, revision: 1, instances: 3 }]);
      s.instances.insert({ id: 'i1', ...a, revision: 1, port: 1, dir: '/r/1', logPath: '/x.log' });
      s.instances.insert({ id: 'i2', ...a, revision: 1, port: 2, dir: '/r/1', logPath: '/x.log' });
      s.instances.insert({ id: 'i3', ...a, revision: 1, port: 3, dir: '/r/1', logPath: '/x.log' });
      s.instances.update('i2', { state: 'draining', pid: 4242, retireAt: 5 });
      s.instances.update('i3', { state: 'stopped' });
      // Read as one JSON text the database builds (json-rows.ts): numbers stay numbers, nulls nulls, creation order kept.
      expect(s.instances.liveSummaries()).toEqual([
        { id: 'i1', ...a, revision: 1, port: 1, pid: null, state: 'starting', retireAt: null },
        { id: 'i2', ...a, revision: 1, port: 2, pid: 4242, state: 'draining', retireAt: 5 },
      ]);
      expect(s.instances.liveProcesses().sort((x, y) => x.id.localeCompare(y.id))).toEqual([
        { id: 'i1', ...a, revision: 1, pid: null, state: 'starting' },
        { id: 'i2', ...a, revision: 1, pid: 4242, state: 'draining' },
      ]);
      expect(s.instances.servingCounts()).toEqual([{ ...a, revision: 1, count: 1 }]);
      expect(s.instances.liveIn('/r/1')).toBe(2);
      expect(s.instances.liveRevisions()).toEqual([{ ...a, revision: 1 }]);
      expect(s.deployments.latestOfEach().get(`${spec.environment}/a`)?.id).toBe(d.id);
      // A slice of the list: only the services named.
      expect([...s.deployments.latestOfEach(['a']).keys()]).toEqual([`${spec.environment}/a`]);
      expect(s.deployments.latestOfEach(['b'])).toEqual(new Map());
      expect(s.instances.liveSummaries(['a']).map((i) => i.id)).toEqual(['i1', 'i2']);
      expect(s.instances.liveSummaries(['b', 'c'])).toEqual([]);
      expect(s.services.summaries()).toEqual([{ name: 'a', environment: spec.environment, port: spec.port, traffic: { weights: {} }, stableRevision: 1, createdAt: expect.any(Number) as number, deletedAt: null }]);
      expect(s.services.summaries('b')).toEqual([]);
    });

    it("raises a service's change counter at every write to a row its status is made of, and only that service's", async () => {
      const { sampleSpec } = await import('./support/sample-spec.ts');
      const s = open();
      const spec = sampleSpec({ name: 'a' });
      const a = { service: 'a', environment: spec.environment };
      const b = { service: 'b', environment: spec.environment };
      s.services.upsert(spec);
      s.services.upsert(sampleSpec({ name: 'b', port: spec.port + 1 }));
      const counter = (ref: typeof a) => s.services.changeCounters().find((c) => c.service === ref.service)?.seq;
      const raised = (ref: typeof a, write: () => void) => {
        const before = [counter(a), counter(b)];
        write();
        const after = [counter(a), counter(b)];
        return ref === a ? [after[0]! > before[0]!, after[1] === before[1]] : [after[1]! > before[1]!, after[0] === before[0]];
      };
      expect(s.services.changeCounters().map((c) => [c.service, c.environment, typeof c.seq])).toEqual([['a', spec.environment, 'number'], ['b', spec.environment, 'number']]);
      let id = 0;
      expect(raised(a, () => (id = s.deployments.create({ ...init, ...a }).id))).toEqual([true, true]);
      expect(raised(a, () => s.deployments.append(id, { type: 'StepStarted', index: 0, message: 'promote' }))).toEqual([true, true]);
      expect(raised(a, () => s.instances.insert({ id: 'i1', ...a, revision: 1, port: 1, dir: '/r/1', logPath: '/x.log' }))).toEqual([true, true]);
      expect(raised(a, () => s.instances.update('i1', { state: 'ready' }))).toEqual([true, true]);
      expect(raised(b, () => s.routers.save({ ...b, mark: 'b', pid: null, adminPort: 1, generation: 0 }))).toEqual([true, true]);
      expect(raised(b, () => s.services.setStableRevision(b, 1))).toEqual([true, true]);
      // A deleted service leaves the list; its counter is kept (it only grows), and comes back with it.
      s.services.markDeleted(b);
      expect(s.services.changeCounters().map((c) => c.service)).toEqual(['a']);
      expect(s.services.changeCounters('b')).toEqual([]);
      expect(s.services.changeCounters('a').map((c) => c.service)).toEqual(['a']);
      expect(s.services.summariesNamed(['a', 'b']).map((r) => r.name)).toEqual(['a']);
    });

    it('names the artifacts only old revisions use: not the last N per environment, the stable one, a running one or one being deployed', async () => {
      const { sampleSpec } = await import('./support/sample-spec.ts');
      const s = open();
      const spec = sampleSpec({ name: 'a', instances: 1 });
      const a = { service: 'a', environment: spec.environment };
      const b = { service: 'b', environment: 'elsewhere' };
      s.services.upsert(spec);
      s.services.upsert({ ...spec, name: 'b', environment: 'elsewhere', port: spec.port + 1 });
      // a: revisions 1-6 of digests d1..d6; b (keeps 1): revisions 1-2, its first shares d2 with a.
      for (let n = 1; n <= 6; n++) s.services.addRevision(a, { version: String(n), digest: `d${n}`, spec, document: {}, createdAt: n });
      s.services.addRevision(b, { version: '1', digest: 'd2', spec, document: {}, createdAt: 1 });
      s.services.addRevision(b, { version: '2', digest: 'b2', spec, document: {}, createdAt: 2 });
      const keep = new Map([[spec.environment, 2], ['elsewhere', 1]]);
      expect(s.services.prunableDigests(keep, 10)).toEqual(['d1', 'd2', 'd3', 'd4']);
      s.services.setStableRevision(a, 1);
      s.instances.insert({ id: 'i3', ...a, revision: 3, port: 1, dir: '/r/3', logPath: '/x.log' });
      s.instances.insert({ id: 'i4', ...a, revision: 4, port: 2, dir: '/r/4', logPath: '/x.log' });
      s.instances.update('i4', { state: 'stopped' });
      s.deployments.create({ ...init, ...a, revision: 2 });
      // d1 stable, d3 running, d2 being deployed (its use by b's old revision does not matter); d4's only instance stopped.
      expect(s.services.prunableDigests(keep, 10)).toEqual(['d4']);
      expect(s.services.prunableDigests(new Map(), 10)).toEqual([]);
      expect(s.services.prunableDigests(new Map(), 1)).toEqual(['d4', 'd5']);
    });
  });

    it('keeps an event and its projection in one transaction: a throw inside leaves neither', () => {
      const s = open();
      const d = s.deployments.create(init);
      expect(() =>
        s.db.transaction(() => {
          s.deployments.append(d.id, { type: 'StepStarted', index: 0, message: 'x' });
          s.deployments.create(init);
          throw new Error('crash');
        }),
      ).toThrow('crash');
      expect(s.deployments.events(d.id).map((e) => e.type)).toEqual(['DeploymentCreated']);
      expect(s.deployments.get(d.id)?.stepStartedAt).toBeNull();
      expect(s.deployments.unfinished().map((u) => u.id)).toEqual([d.id]);
    });

    it('keeps the audit chain and the identities (blobs as Buffers), and counts the rows written', () => {
      const s = open();
      const before = s.db.rowsWritten();
      const identities = new IdentityStore(s.db);
      identities.addUser('alice', [{ role: 'deployer', environment: 'staging' }]);
      const token = identities.createToken('alice');
      expect(identities.verifyToken(token)?.user).toBe('alice');
      expect(identities.seenNonce('k', 'n', Date.now() / 1000 + 60)).toBe(false);
      expect(identities.seenNonce('k', 'n', Date.now() / 1000 + 60)).toBe(true);
      const audit = new AuditLog(s.db);
      audit.append({ actor: 'alice', action: 'apply', target: 'hello', outcome: 'allowed', from: '127.0.0.1' });
      audit.append({ actor: 'bob', action: 'apply', target: 'hello', outcome: 'denied', from: '127.0.0.1', details: { why: 'role' } });
      expect(audit.list({ actor: 'bob' }).map((e) => e.seq)).toEqual([2]);
      expect(audit.verify().ok).toBe(true);
      expect(s.db.rowsWritten() - before).toBeGreaterThanOrEqual(6);
    });

    it('counts each statement it runs, a transaction as its statements plus BEGIN and COMMIT (on PostgreSQL round trips: its BEGIN goes with the first statement)', () => {
      const s = open();
      const before = s.db.statementsRun();
      s.db.prepare('SELECT 1 AS one').get();
      s.db.prepare('SELECT 1 AS one').all();
      expect(s.db.statementsRun() - before).toBe(2);
      s.db.transaction(() => {
        s.db.prepare('SELECT 1 AS one').get();
        s.db.prepare('SELECT 2 AS two').get();
      });
      expect(s.db.statementsRun() - before).toBe(s.db.dialect === Dialect.Postgres ? 5 : 6);
    });

    it('runs a sent statement by the end of its transaction, before the next statement that reads; a failed one fails the transaction and commits nothing', () => {
      const s = open();
      s.db.exec('CREATE TABLE sent_rows (n INTEGER PRIMARY KEY)');
      const insert = s.db.prepare('INSERT INTO sent_rows (n) VALUES (?)');
      const rows = () => (s.db.prepare('SELECT n FROM sent_rows ORDER BY n').all() as { n: number }[]).map((row) => row.n);
      const written = s.db.rowsWritten();
      s.db.transaction(() => {
        insert.send(1);
        expect(rows()).toEqual([1]);
        insert.send(2);
      });
      expect(rows()).toEqual([1, 2]);
      expect(s.db.rowsWritten() - written).toBe(2);
      // The duplicate fails where it is sent on SQLite, at the COMMIT it travels with on PostgreSQL: the transaction fails either way.
      expect(() =>
        s.db.transaction(() => {
          insert.send(3);
          insert.send(1);
        }),
      ).toThrow(/unique/i);
      expect(rows()).toEqual([1, 2]);
      insert.send(4);
      expect(rows()).toEqual([1, 2, 4]);
      // Nothing left over from the failed transaction rides along with the next one.
      s.db.transaction(() => insert.send(5));
      expect(rows()).toEqual([1, 2, 4, 5]);
    });

    it('delivers a notification to a listener once its transaction commits', async () => {
      const s = open();
      const received: string[] = [];
      const stop = s.db.listen('cutover_test', (payload) => received.push(payload));
      s.db.transaction(() => s.db.notify('cutover_test', 'one'));
      const deadline = Date.now() + 10_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      stop();
      expect(received).toEqual(['one']);
    });
  });
}

it('numbers the SQLite and PostgreSQL migrations together', () => {
  expect(POSTGRES_MIGRATIONS).toHaveLength(MIGRATIONS.length);
});
