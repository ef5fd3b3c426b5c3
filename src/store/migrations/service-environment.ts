/**
 * A service is (name, environment), no longer a name. Before this, a name
 * was unique per server and `promote-env` moved it between environments;
 * now hello in staging and hello in production are two services.
 *
 * Every row of a service goes to the environment the service is in now:
 * the old model had one service per name, so that is where its revisions,
 * instances, router and lock live. A deployment's own state keeps the
 * environment it ran in (the record of where a digest succeeded), while its
 * `environment` column says which service owns it.
 *
 * Nothing running is touched: instances keep their ids, directories and
 * processes; a router keeps the process mark it was started with (stored in
 * `mark`), so the new server adopts both instead of starting them again.
 * A lock on a name that has no service (the old model allowed it) has no
 * environment to belong to and is dropped.
 */
export const SERVICE_ENVIRONMENT_IDENTITY = `
  CREATE TABLE services_by_environment (
    name        TEXT NOT NULL,
    environment TEXT NOT NULL,
    port        INTEGER NOT NULL,
    spec        TEXT NOT NULL,
    traffic     TEXT NOT NULL,
    stable_revision INTEGER,
    created_at  INTEGER NOT NULL,
    deleted_at  INTEGER,
    PRIMARY KEY (name, environment)
  );
  INSERT INTO services_by_environment SELECT name, environment, port, spec, traffic, stable_revision, created_at, deleted_at FROM services;

  CREATE TABLE revisions_by_environment (
    service     TEXT NOT NULL,
    environment TEXT NOT NULL,
    number      INTEGER NOT NULL,
    version     TEXT NOT NULL,
    digest      TEXT NOT NULL,
    spec        TEXT NOT NULL,
    document    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (service, environment, number)
  );
  INSERT INTO revisions_by_environment
    SELECT r.service, s.environment, r.number, r.version, r.digest, r.spec, r.document, r.created_at
    FROM revisions r JOIN services s ON s.name = r.service;

  CREATE TABLE routers_by_environment (
    service     TEXT NOT NULL,
    environment TEXT NOT NULL,
    mark        TEXT NOT NULL,            -- the CUTOVER_ROUTER mark its process was started with
    pid         INTEGER,
    admin_port  INTEGER NOT NULL,
    generation  INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (service, environment)
  );
  INSERT INTO routers_by_environment
    SELECT r.service, s.environment, r.service, r.pid, r.admin_port, r.generation, r.updated_at
    FROM routers r JOIN services s ON s.name = r.service;

  CREATE TABLE locks_by_environment (
    service     TEXT NOT NULL,
    environment TEXT NOT NULL,
    holder      TEXT NOT NULL,
    message     TEXT NOT NULL,
    acquired_at INTEGER NOT NULL,
    PRIMARY KEY (service, environment)
  );
  INSERT INTO locks_by_environment
    SELECT l.service, s.environment, l.holder, l.message, l.acquired_at
    FROM locks l JOIN services s ON s.name = l.service;

  ALTER TABLE deployments ADD COLUMN environment TEXT NOT NULL DEFAULT '';
  UPDATE deployments SET environment = COALESCE((SELECT s.environment FROM services s WHERE s.name = deployments.service), json_extract(state, '$.environment'), '');
  ALTER TABLE events ADD COLUMN environment TEXT NOT NULL DEFAULT '';
  UPDATE events SET environment = COALESCE((SELECT s.environment FROM services s WHERE s.name = events.service), '');
  ALTER TABLE instances ADD COLUMN environment TEXT NOT NULL DEFAULT '';
  UPDATE instances SET environment = COALESCE((SELECT s.environment FROM services s WHERE s.name = instances.service), '');

  DROP TABLE services;
  ALTER TABLE services_by_environment RENAME TO services;
  DROP TABLE revisions;
  ALTER TABLE revisions_by_environment RENAME TO revisions;
  DROP TABLE routers;
  ALTER TABLE routers_by_environment RENAME TO routers;
  DROP TABLE locks;
  ALTER TABLE locks_by_environment RENAME TO locks;

  DROP INDEX deployments_by_service;
  CREATE INDEX deployments_by_service ON deployments (service, environment, id);
  DROP INDEX events_by_service;
  CREATE INDEX events_by_service ON events (service, environment, seq);
  DROP INDEX instances_by_service;
  CREATE INDEX instances_by_service ON instances (service, environment, revision);
  CREATE INDEX revisions_by_digest ON revisions (digest);
`;
