import { z } from 'zod';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import type { DependencyGraph } from './dependency-graph.ts';
import { isRecord } from './json-file.ts';
import { lockfilePackage, lockfilePackagesGraph } from './lockfile-packages.ts';
import { lockfileV1Entry, lockfileV1Graph } from './lockfile-v1.ts';
import { formatPath } from './osv.ts';

export const REGENERATE_LOCKFILE = 'regenerate it with "npm install --package-lock-only"';

const v1Dependencies = z.record(z.string(), lockfileV1Entry);
const packagesSection = z.record(z.string(), lockfilePackage);

/**
 * The dependency graph of a package-lock.json (or npm-shrinkwrap.json) of any
 * version: v1 from its nested `dependencies`, v2 and v3 from `packages` (v2
 * also carries v1's section for old npm; `packages` is the one npm reads).
 * `rootNames` is what package.json depends on, for lockfiles that do not say.
 */
export function lockfileGraph(lock: unknown, file: string, rootNames?: string[]): { graph: DependencyGraph; notes: string[] } {
  if (!isRecord(lock)) malformed(file, 'it is not a JSON object');
  const version = lock.lockfileVersion;
  if (version !== 1 && version !== 2 && version !== 3) {
    malformed(file, `lockfileVersion is ${JSON.stringify(version)}; versions 1, 2 and 3 are supported`);
  }
  if (version === 1 || (version === 2 && lock.packages === undefined)) {
    const dependencies = parseSection(v1Dependencies, lock.dependencies ?? {}, file, 'dependencies');
    return { graph: lockfileV1Graph(dependencies, rootNames), notes: [] };
  }
  if (lock.packages === undefined) malformed(file, `lockfileVersion ${version} needs a "packages" object`);
  const packages = parseSection(packagesSection, lock.packages, file, 'packages');
  const { graph, unversioned } = lockfilePackagesGraph(packages, rootNames);
  const notes = unversioned.length
    ? [`${file}: not checked, as ${unversioned.length === 1 ? 'this entry has' : `${unversioned.length} entries have`} no version: ${unversioned.slice(0, 3).join(', ')}${unversioned.length > 3 ? ', …' : ''}`]
    : [];
  return { graph, notes };
}

function parseSection<T>(schema: z.ZodType<T>, value: unknown, file: string, section: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = formatPath([section, ...(issue?.path ?? [])]);
  return malformed(file, `${where}: ${issue?.message ?? 'is not valid'}`);
}

function malformed(file: string, problem: string): never {
  throw new CutoverError(ErrorCode.InvalidRequest, `${file} is not a valid npm lockfile: ${problem}; ${REGENERATE_LOCKFILE}`, {
    context: { file },
  });
}
