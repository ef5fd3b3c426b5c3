import { AlertClaims } from './alert-claims.ts';
import { openDatabase, type Db } from './database.ts';
import type { CommitMode } from './sql/index.ts';
import { DeploymentStore } from './deployments.ts';
import { InstanceStore } from './instances.ts';
import { LockStore } from './locks.ts';
import { SignatureStore } from './signatures.ts';
import { RouterStore } from './routers.ts';
import { ServiceStore } from './services.ts';

export interface Store {
  db: Db;
  services: ServiceStore;
  deployments: DeploymentStore;
  instances: InstanceStore;
  routers: RouterStore;
  locks: LockStore;
  signatures: SignatureStore;
  /** Replicas: which events' alerts a leader has claimed. */
  alertClaims: AlertClaims;
  close(): void;
}

/** Opens (and migrates) the store: one SQLite file, or a PostgreSQL database when `location` is a postgres:// URL; `commits`: how they reach the disk (sql/group-commit.ts; on PostgreSQL, grouped is asynchronous commit). */
export function openStore(location: string, commits: CommitMode = 'grouped'): Store {
  const db = openDatabase(location, commits);
  return {
    db,
    services: new ServiceStore(db),
    deployments: new DeploymentStore(db),
    instances: new InstanceStore(db),
    routers: new RouterStore(db),
    locks: new LockStore(db),
    signatures: new SignatureStore(db),
    alertClaims: new AlertClaims(db),
    close: () => db.close(),
  };
}

export { LIVE_STATES } from './instances.ts';
export type { InstanceRecord, InstanceSummary } from './instances.ts';
export type { ServiceRecord, ServiceSummary, ServiceChangeCounter, RevisionRecord, Traffic } from './services.ts';
export type { StoredEvent } from './deployments.ts';
export type { RouterRecord } from './routers.ts';
export type { DeployLock } from './locks.ts';
export type { Db } from './database.ts';
export { isPostgresUrl } from './database.ts';
export { Dialect, GROUP_COMMIT_MS, redactUrl, LISTENER_STATE_CHANNEL, type CommitMode } from './sql/index.ts';
export type { SqlDatabase, Statement, RunResult, NotificationListener } from './sql/index.ts';
export { checkStoreAtStart, integrityProblem } from './integrity.ts';
export { backupStore, restoreStore, runningServer, writeServerPid } from './backup.ts';
