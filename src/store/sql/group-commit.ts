import { close, fdatasync, open } from 'node:fs';
import { promisify } from 'node:util';

/**
 * How commits reach the disk.
 * - `grouped` (the default): a commit returns once SQLite has written it to
 *   the WAL file (in the kernel: it survives a SIGKILL of the server, which is
 *   what the engine's "persisted before acting" needs), and one fdatasync
 *   every {@link GROUP_COMMIT_MS} ms, off the event loop, puts every commit
 *   of that window on disk at once. A power loss or kernel crash can lose the
 *   commits of the last window (the database stays consistent: SQLite's WAL
 *   is checksummed); PostgreSQL calls this asynchronous commit, and the
 *   PostgreSQL store uses it (synchronous_commit = off: postgres.ts).
 * - `each`: an fsync inside every commit (SQLite's synchronous=FULL; on
 *   PostgreSQL the server's own synchronous_commit, on by default). Nothing
 *   acknowledged is lost even to a power loss, but each write then holds the
 *   server's one thread for a disk flush: 2-35 ms each on a loaded disk, and
 *   the API waits behind them (README: How far one control plane goes).
 */
export type CommitMode = 'grouped' | 'each';

/** How often grouped commits are flushed to disk: the most a power loss can take back. */
export const GROUP_COMMIT_MS = 50;

const openFile = promisify(open);
const syncFile = promisify(fdatasync);
const closeFile = promisify(close);

/**
 * Flushes `walFile` every `everyMs` when `rowsWritten` grew since the last
 * flush, until the returned stop is called. One flush at a time: a slow disk
 * makes the window longer, never a queue of flushes.
 */
export function flushCommitsPeriodically(walFile: string, rowsWritten: () => number, everyMs = GROUP_COMMIT_MS): () => void {
  let flushedUpTo = rowsWritten();
  let flushing = false;
  const timer = setInterval(() => {
    if (flushing) return;
    const committed = rowsWritten();
    if (committed === flushedUpTo) return;
    flushing = true;
    flushedUpTo = committed;
    void flush(walFile).finally(() => (flushing = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Never rejects: a failure stops the server (below). */
async function flush(walFile: string): Promise<void> {
  let fd: number;
  try {
    fd = await openFile(walFile, 'r');
  } catch (error) {
    // Closing the last connection checkpoints and removes the WAL: nothing left to flush.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') stop(walFile, error);
    return;
  }
  try {
    await syncFile(fd);
  } catch (error) {
    stop(walFile, error);
  } finally {
    await closeFile(fd).catch(() => {});
  }
}

/**
 * After a failed flush the kernel may have dropped the written pages:
 * commits already acknowledged could be lost, and going on would hide it.
 * The server stops instead, as PostgreSQL does (a restart replays the WAL).
 */
function stop(walFile: string, cause: unknown): void {
  const error = new Error(`cannot flush the store's log ${walFile} to disk (${(cause as Error).message}): commits already acknowledged may not survive a power loss; check the disk, then restart the server`, { cause });
  // Thrown outside any promise: an uncaught exception, which ends the process.
  setImmediate(() => {
    throw error;
  });
}
