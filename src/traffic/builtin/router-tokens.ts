import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOnce } from '../../core/create-once.ts';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import type { Logger } from '../../monitoring/logger.ts';
import type { RouterRecord } from '../../store/index.ts';
import { RouterAdminClient } from './client.ts';

/**
 * Each router's admin endpoint has its own token, in its own folder
 * (`<data-dir>/routers/<environment>/<service>/admin-token`, 0600): whoever
 * holds one router's token (a leaked log, a copied folder) can reconfigure
 * that router only. Releases before this one gave every router the same
 * token, `<data-dir>/router-token`; `moveOffSharedToken` retires it.
 */
export const TOKEN_FILE = 'admin-token';

/** The token every router shared before each had its own. */
export function sharedTokenPath(dataDir: string): string {
  return join(dataDir, 'router-token');
}

/**
 * A token file's content, created (random, 0600) when missing. Replicas
 * started together on one data dir each create `metrics-token` at the same
 * instant: the first one's token is every one's (createOnce), where an
 * exclusive create made the others fail to start (EEXIST) and could let one
 * read the file before its token was written.
 */
export function loadOrCreateToken(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  return createOnce(file, `${randomBytes(32).toString('base64url')}\n`).trim();
}

/**
 * Gives every running router that still answers to the shared token its own
 * (through its `PUT /token`, so nothing it serves restarts), then deletes
 * the shared file. Safe to stop at any point: a router is first asked with
 * its own token, so a second start finishes what a crash left. A router too
 * old to change its token keeps the shared one, copied into its own file,
 * until it restarts (said in the log). While a running router cannot be
 * reached the shared file is kept, for the next start to try again.
 */
export async function moveOffSharedToken(
  dataDir: string,
  routers: { record: RouterRecord; dir: string }[],
  log: Logger,
): Promise<void> {
  const file = sharedTokenPath(dataDir);
  if (!existsSync(file)) return;
  const shared = readFileSync(file, 'utf8').trim();
  let unreached = 0;
  for (const { record, dir } of routers) {
    const own = loadOrCreateToken(join(dir, TOKEN_FILE));
    const ref = { service: record.service, environment: record.environment };
    if (own === shared || (await answersTo(record.adminPort, own))) continue;
    try {
      await new RouterAdminClient(record.adminPort, shared).changeToken(own);
      log.info(ref, 'router moved from the shared admin token to its own');
    } catch (error) {
      if (error instanceof CutoverError && (error.code === ErrorCode.NotFound || error.code === ErrorCode.InvalidRequest)) {
        writeFileSync(join(dir, TOKEN_FILE), `${shared}\n`, { mode: 0o600 });
        log.warn(ref, 'this router is from an older release and cannot change its admin token: it keeps the token all routers shared until its process restarts (stop it with SIGTERM: the server starts it again, with its own token, on its last config)');
      } else {
        unreached++;
        log.warn({ ...ref, err: messageOf(error) }, 'could not move this router off the shared admin token; the next start tries again');
      }
    }
  }
  if (unreached === 0) {
    rmSync(file, { force: true });
    log.info('the shared router token file is retired: every router has its own admin token');
  }
}

/** Whether a router accepts `token` (a stats read); false also when it does not answer. */
async function answersTo(adminPort: number, token: string): Promise<boolean> {
  try {
    await new RouterAdminClient(adminPort, token).getStats();
    return true;
  } catch {
    return false;
  }
}
