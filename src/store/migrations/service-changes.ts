/**
 * A change counter per service (issue 15): `service_changes.seq` grows
 * whenever a row its status is made of changes (its services row, its
 * deployments, its instances, its router), bumped by triggers in the
 * transaction of the write, so no write path can forget it and every
 * replica on one PostgreSQL sees it. `GET /v1/services` keeps each
 * service's status as text and renders again only the services whose
 * counter moved (src/api/service-list.ts): at 1,000 services × 10 the list
 * read every deployment and 10,000 instances at each request.
 *
 * A service's row is never deleted (a deleted service keeps its history):
 * a counter only grows, so a cached status can never look current again.
 */
const TABLES = [
  ['services', 'name'],
  ['deployments', 'service'],
  ['instances', 'service'],
  ['routers', 'service'],
] as const;

const SQLITE_OPERATIONS = [
  ['INSERT', 'NEW'],
  ['UPDATE', 'NEW'],
  ['DELETE', 'OLD'],
] as const;

export const SERVICE_CHANGES = `
  CREATE TABLE service_changes (
    service     TEXT NOT NULL,
    environment TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    PRIMARY KEY (service, environment)
  );
${TABLES.flatMap(([table, name]) =>
  SQLITE_OPERATIONS.map(
    ([operation, row]) => `  CREATE TRIGGER ${table}_${operation.toLowerCase()}_changes AFTER ${operation} ON ${table} BEGIN
    INSERT INTO service_changes (service, environment, seq) VALUES (${row}.${name}, ${row}.environment, 1)
      ON CONFLICT (service, environment) DO UPDATE SET seq = seq + 1;
  END;`,
  ),
).join('\n')}
`;

/** The same on PostgreSQL: one trigger function per name column (services calls it `name`, the others `service`). */
export const SERVICE_CHANGES_POSTGRES = `
  CREATE TABLE service_changes (
    service     TEXT COLLATE "C" NOT NULL,
    environment TEXT COLLATE "C" NOT NULL,
    seq         BIGINT NOT NULL,
    PRIMARY KEY (service, environment)
  );
${(['name', 'service'] as const)
  .map(
    (name) => `  CREATE FUNCTION service_changed_by_${name}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'DELETE' THEN
      INSERT INTO service_changes (service, environment, seq) VALUES (OLD.${name}, OLD.environment, 1)
        ON CONFLICT (service, environment) DO UPDATE SET seq = service_changes.seq + 1;
    ELSE
      INSERT INTO service_changes (service, environment, seq) VALUES (NEW.${name}, NEW.environment, 1)
        ON CONFLICT (service, environment) DO UPDATE SET seq = service_changes.seq + 1;
    END IF;
    RETURN NULL;
  END $$;`,
  )
  .join('\n')}
${TABLES.map(([table, name]) => `  CREATE TRIGGER ${table}_changes AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION service_changed_by_${name}();`).join('\n')}
`;
