import { resolve } from 'node:path';
import { MARK_VARIABLE } from '../isolation/index.ts';
import { ownerOf } from './proc.ts';

/** The variable the previous release marked its instances (and still marks routers) with: the data dir's path. */
export const DATA_DIR_VARIABLE = 'CUTOVER_DATA_DIR';

/**
 * Instances started by the release before isolation, which marked them with
 * `CUTOVER_DATA_DIR` (this data dir's path) and `CUTOVER_INSTANCE` instead of
 * the opaque `CUTOVER_MARK`. An upgraded server adopts them as they run (no
 * restart) and replaces them at their service's next deployment, whose
 * instances carry the new mark. Until then they run as that release started
 * them: as the server's own user, unsandboxed, knowing the data dir's path.
 *
 * A process passes for one of them only when all of these hold, so nothing
 * foreign is adopted and no instance of this release can pass for one:
 * - its `CUTOVER_DATA_DIR` is this server's data dir;
 * - it carries no `CUTOVER_MARK` (that release never set it; this one always does);
 * - it runs as the server's own user, as that release ran every instance
 *   (an isolated instance runs as another user when the server is root).
 */
export class PreviousReleaseMarks {
  private readonly dataDir: string;

  constructor(dataDir: string) {
    this.dataDir = resolve(dataDir);
  }

  /** Whether the process `pid`, with environment `env`, is an instance the previous release of this server started. */
  started(env: Map<string, string>, pid: number): boolean {
    const dataDir = env.get(DATA_DIR_VARIABLE);
    return (
      dataDir !== undefined &&
      !env.has(MARK_VARIABLE) &&
      env.has('CUTOVER_INSTANCE') &&
      resolve(dataDir) === this.dataDir &&
      ownerOf(pid) === process.getuid?.()
    );
  }
}
