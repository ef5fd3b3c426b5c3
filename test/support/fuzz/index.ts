/** The fuzz targets: parsers (no server), artifact unpacking, and the API of a real control plane. */
import type { Cluster } from '../cluster.ts';
import { apiTargets } from './api-targets.ts';
import { artifactTarget } from './artifact-target.ts';
import { PURE_TARGETS } from './pure-targets.ts';
import type { FuzzTarget } from './target.ts';

export { fuzzRuns, type FuzzCount, type FuzzTarget } from './target.ts';

/** Every target; `root` holds the artifact target's unpacked trees (the caller removes it). */
export function allTargets(cluster: Cluster, root: string): FuzzTarget[] {
  return [...PURE_TARGETS, artifactTarget(root), ...apiTargets(cluster)];
}
