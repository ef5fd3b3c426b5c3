import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../core/deployment.ts';
import type { Alert } from '../monitoring/alerts/alert.ts';
import { AlertDispatcher } from '../monitoring/alerts/index.ts';
import { silentLogger } from '../monitoring/logger.ts';
import { openStore, type Store, type StoredEvent } from '../store/index.ts';
import { LeaderAlerts } from './leader-alerts.ts';

const init: Omit<Deployment, 'id'> = {
  service: 'hello', environment: 'development', kind: 'apply', revision: 2, version: '1.0.1', previousRevision: 1, stableRevision: 1,
  strategy: 'canary', plan: [{ type: 'promote' }], planHash: 'h', stepIndex: 0, stepStartedAt: null, phase: 'Progressing', ending: null,
  pausedUntil: null, promoteRequested: false, weights: {}, analyses: [], hold: null, message: '', author: 'admin', createdAt: 1, updatedAt: 1, finishedAt: null,
};

/**
 * Two replicas on one SQLite file, each with its own store handle, its own
 * belief of leading (the fence) and its own sends. The store's feed is
 * played by hand (`deliver`), so a replica can die before its feed brings
 * an event, or wake up late: the moments a change of leader lost or
 * doubled an alert before claims.
 */
describe('alerts across a change of leader', () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  afterEach(() => {
    for (const store of stores.splice(0)) store.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const file = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutover-leader-alerts-'));
    dirs.push(dir);
    return join(dir, 'cutover.db');
  };
  const replica = (location: string) => {
    const store = openStore(location, 'each');
    stores.push(store);
    const belief = { leads: false };
    const sent: Alert[] = [];
    const rules = new AlertDispatcher({ sinks: [] });
    const alerts = new LeaderAlerts(store, { check: () => undefined, confirm: () => undefined, leads: () => belief.leads }, { alertsFor: (event, before) => rules.alertsFor(event, before), send: async (batch) => (sent.push(...batch), []) }, silentLogger());
    let delivered = store.deployments.lastSeq();
    /** The feed: every event after the last one delivered, in order. */
    const deliver = () => {
      const events: StoredEvent[] = store.deployments.eventsAfter(delivered);
      for (const event of events) alerts.observe(event);
      delivered = events.at(-1)?.seq ?? delivered;
    };
    /** A deployment rolled back (an alert) by this replica, with the deployment before it as its write hook passes it. */
    const rollBack = () => {
      const d = store.deployments.create(init);
      const before = store.deployments.get(d.id);
      store.deployments.append(d.id, { type: 'Finished', phase: 'RolledBack', message: 'canary 9% errors vs stable 0%' });
      alerts.own(store.deployments.eventsAfter(store.deployments.lastSeq() - 1)[0]!, before);
      return d.id;
    };
    const succeed = () => {
      const d = store.deployments.create(init);
      store.deployments.append(d.id, { type: 'Finished', phase: 'Succeeded', message: 'ok' });
    };
    return { store, belief, sent, alerts, deliver, rollBack, succeed };
  };

  it('a rollback written by a leader that died before alerting is alerted once, by its successor', () => {
    const location = file();
    const a = replica(location);
    const b = replica(location);
    a.belief.leads = true;
    a.alerts.lead(1);
    const deployment = a.rollBack();
    // A dies here: its feed never brings the event. B follows, then leads.
    b.deliver();
    expect(b.sent).toEqual([]);
    a.belief.leads = false;
    b.belief.leads = true;
    b.alerts.lead(2);
    expect(b.sent.map((alert) => [alert.rule, alert.deployment])).toEqual([['deployment-rolled-back', deployment]]);
    // A was only stopped: it wakes up believing it leads, and its feed brings the event. It sends nothing.
    a.belief.leads = true;
    a.deliver();
    expect(a.sent).toEqual([]);
    b.deliver();
    expect(b.sent).toHaveLength(1);
  });

  it('an alert the old leader sent is not sent again by its successor', () => {
    const location = file();
    const a = replica(location);
    const b = replica(location);
    a.belief.leads = true;
    a.alerts.lead(1);
    a.rollBack();
    a.deliver();
    expect(a.sent).toHaveLength(1);
    b.deliver();
    a.belief.leads = false;
    b.belief.leads = true;
    b.alerts.lead(2);
    expect(b.sent).toEqual([]);
  });

  it("a follower's writes are alerted by the leader alone, and a new leader reads back only what came after the last checkpoint", () => {
    const location = file();
    const a = replica(location);
    const b = replica(location);
    a.belief.leads = true;
    a.alerts.lead(1);
    for (let i = 0; i < 5; i++) b.succeed();
    const deployment = b.rollBack();
    a.deliver();
    b.deliver();
    expect(a.sent.map((alert) => alert.deployment)).toEqual([deployment]);
    expect(b.sent).toEqual([]);
    for (let i = 0; i < 5; i++) a.succeed();
    a.deliver();
    a.alerts.checkpoint();
    const checkpoint = a.store.deployments.lastSeq();
    a.belief.leads = false;
    b.belief.leads = true;
    expect(b.store.alertClaims.enter(2)).toBe(checkpoint);
    b.alerts.lead(2);
    expect(b.sent).toEqual([]);
  });

  it('a replica that follows again sends nothing, and sends again when it leads with a new term', () => {
    const location = file();
    const a = replica(location);
    a.belief.leads = true;
    a.alerts.lead(1);
    a.alerts.follow();
    a.rollBack();
    a.deliver();
    expect(a.sent).toEqual([]);
    a.alerts.lead(2);
    expect(a.sent).toHaveLength(1);
  });
});
