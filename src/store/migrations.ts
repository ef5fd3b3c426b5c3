import { AUDIT_SCHEMA } from '../security/audit/schema.ts';
import { IDENTITY_FLAGS_SCHEMA, IDENTITY_SCHEMA, SEALED_SECRETS_SCHEMA } from '../security/identity/schema.ts';
import { SERVICE_ENVIRONMENT_IDENTITY } from './migrations/service-environment.ts';
import { SCALE_INDEXES } from './migrations/scale-indexes.ts';
import { LEADERSHIP } from './migrations/leadership.ts';
import { ALERT_CLAIMS } from './migrations/alert-claims.ts';
import { SERVICE_CHANGES } from './migrations/service-changes.ts';
import { DIGEST_SUCCESSES } from './migrations/digest-successes.ts';

/**
 * The schema, as an ordered list of migrations. A migration is never edited
 * once released; a change is a new entry at the end.
 */
/**
 * A signature record is (artifact, environment): the signature each
 * environment accepted, checked against its own trusted keys. Kept by
 * digest alone, an apply in one environment replaced the signature another
 * environment had accepted, and that one could no longer roll back to it.
 * Rows from before keep environment '' (which environment accepted them is
 * not known): any environment may try them, against its own keys.
 */
const SIGNATURES_PER_ENVIRONMENT = `
  CREATE TABLE signatures_by_environment (
    digest      TEXT NOT NULL,
    environment TEXT NOT NULL,
    text        TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (digest, environment)
  );
  INSERT INTO signatures_by_environment SELECT digest, '', text, key_id, created_at FROM signatures;
  DROP TABLE signatures;
  ALTER TABLE signatures_by_environment RENAME TO signatures;
`;

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE services (
    name        TEXT PRIMARY KEY,
    environment TEXT NOT NULL,
    port        INTEGER NOT NULL,
    spec        TEXT NOT NULL,            -- the normalized spec last applied (JSON)
    traffic     TEXT NOT NULL,            -- {weights, previewRevision} the router is told (JSON)
    stable_revision INTEGER,
    created_at  INTEGER NOT NULL,
    deleted_at  INTEGER
  );
  CREATE TABLE revisions (
    service     TEXT NOT NULL,
    number      INTEGER NOT NULL,
    version     TEXT NOT NULL,
    digest      TEXT NOT NULL,            -- sha256 of the artifact
    spec        TEXT NOT NULL,            -- normalized spec (JSON)
    document    TEXT NOT NULL,            -- the document as the user wrote it (JSON)
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (service, number)
  );
  CREATE TABLE deployments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    service     TEXT NOT NULL,
    state       TEXT NOT NULL,            -- projection of this deployment's events (JSON)
    finished    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  CREATE INDEX deployments_by_service ON deployments (service, id);
  CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    deployment  INTEGER,
    service     TEXT NOT NULL,
    type        TEXT NOT NULL,
    data        TEXT NOT NULL,
    at          INTEGER NOT NULL
  );
  CREATE INDEX events_by_deployment ON events (deployment, seq);
  CREATE INDEX events_by_service ON events (service, seq);
  CREATE TABLE instances (
    id          TEXT PRIMARY KEY,
    service     TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    port        INTEGER NOT NULL,
    pid         INTEGER,
    state       TEXT NOT NULL,            -- starting | ready | draining | stopped | exited | lost
    in_rotation INTEGER NOT NULL DEFAULT 0,
    retire_at   INTEGER,                  -- when set, drained and stopped at that time
    dir         TEXT NOT NULL,
    log_path    TEXT NOT NULL,
    message     TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  CREATE INDEX instances_by_service ON instances (service, revision);
  CREATE TABLE routers (
    service     TEXT PRIMARY KEY,
    pid         INTEGER,
    admin_port  INTEGER NOT NULL,
    generation  INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL
  );
  CREATE TABLE artifacts (
    digest      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
  );
  `,
  `
  CREATE TABLE locks (
    service     TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    message     TEXT NOT NULL,
    acquired_at INTEGER NOT NULL
  );
  `,
  `
  CREATE TABLE signatures (
    digest      TEXT PRIMARY KEY,         -- the artifact (sha256 of the plaintext tar.gz)
    text        TEXT NOT NULL,            -- the minisign signature file as uploaded
    key_id      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
  );
  `,
  // Users, tokens (hashes), signing keys and nonces; the audit hash chain (src/security).
  IDENTITY_SCHEMA + AUDIT_SCHEMA,
  SERVICE_ENVIRONMENT_IDENTITY,
  // The bootstrap admin is made once (issue 9, finding 7).
  IDENTITY_FLAGS_SCHEMA,
  // HMAC signing secrets sealed with the key ring (finding 10).
  SEALED_SECRETS_SCHEMA,
  // An artifact's signature is kept per environment that accepted it (finding 11).
  SIGNATURES_PER_ENVIRONMENT,
  // Indexes for many services (issue 15).
  SCALE_INDEXES,
  // Control-plane replicas: the leader's lease and fencing token (issue 15).
  LEADERSHIP,
  // Replicas: which events' alerts a leader has claimed, so each is sent once across a change of leader.
  ALERT_CLAIMS,
  // A change counter per service, kept by triggers: the list renders again only what changed (issue 15).
  SERVICE_CHANGES,
  // Where each artifact succeeded, kept as deployments succeed: admission read the whole history for it (issue 15).
  DIGEST_SUCCESSES,
];
