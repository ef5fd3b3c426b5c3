/**
 * Where each artifact has succeeded (issue 15): a row per (digest,
 * environment), written in the transaction of the event that finishes a
 * deployment as Succeeded (DeploymentStore.write), so an environment that
 * `requiresSuccessIn` another reads one index entry. The admission check
 * asked for it at every apply by joining every revision of the digest with
 * every deployment of its services and parsing each one's state: its cost
 * grew with the whole history, 3% of the server's CPU in bench:scale at
 * 1,000 services (one artifact deployed everywhere) and growing.
 *
 * `deployment` is the first deployment that succeeded with the digest in
 * that environment: the list's order, as before. The backfill is the query
 * it replaces, run once.
 */
const backfill = (environment: string, phase: string, revision: string): string => `
  INSERT INTO digest_successes (digest, environment, deployment)
    SELECT r.digest, ${environment}, MIN(d.id)
    FROM revisions r JOIN deployments d ON d.service = r.service AND d.environment = r.environment
    WHERE ${phase} = 'Succeeded' AND ${revision} = r.number
    GROUP BY r.digest, ${environment};
`;

/** The backfill alone, per dialect: the contract test checks it finds what the write path keeps. */
export const DIGEST_SUCCESSES_BACKFILL = {
  sqlite: backfill("json_extract(d.state, '$.environment')", "json_extract(d.state, '$.phase')", "CAST(json_extract(d.state, '$.revision') AS INTEGER)"),
  postgres: backfill("(d.state::jsonb #>> '{environment}')", "(d.state::jsonb #>> '{phase}')", "(d.state::jsonb #>> '{revision}')::bigint"),
} as const;

export const DIGEST_SUCCESSES = `
  CREATE TABLE digest_successes (
    digest      TEXT NOT NULL,            -- sha256 of the artifact
    environment TEXT NOT NULL,
    deployment  INTEGER NOT NULL,         -- the first deployment that succeeded with it there
    PRIMARY KEY (digest, environment)
  );
  ${DIGEST_SUCCESSES_BACKFILL.sqlite}
`;

export const DIGEST_SUCCESSES_POSTGRES = `
  CREATE TABLE digest_successes (
    digest      TEXT COLLATE "C" NOT NULL,
    environment TEXT COLLATE "C" NOT NULL,
    deployment  BIGINT NOT NULL,
    PRIMARY KEY (digest, environment)
  );
  ${DIGEST_SUCCESSES_BACKFILL.postgres}
`;
