import { z } from 'zod';
import type { DependencyGraph, PackageNode } from './dependency-graph.ts';
import { dependencyNames, resolveGraph } from './node-resolution.ts';

const dependencyMap = z.record(z.string(), z.string()).optional();

/** An entry of `packages` in a v2 or v3 lockfile (npm 7 and later), keyed by its folder. */
export const lockfilePackage = z.object({
  name: z.string().optional(),
  version: z.string().optional(),
  resolved: z.string().optional(),
  link: z.boolean().optional(),
  dev: z.boolean().optional(),
  dependencies: dependencyMap,
  optionalDependencies: dependencyMap,
  peerDependencies: dependencyMap,
  devDependencies: dependencyMap,
});
export type LockfilePackage = z.infer<typeof lockfilePackage>;

const NODE_MODULES = 'node_modules/';

/**
 * Builds the graph of a v2/v3 lockfile's `packages`. The `""` entry is the
 * service; folders outside node_modules are its workspaces; `link` entries
 * point node_modules at a workspace. The hidden lockfile in node_modules has
 * no `""` entry, so package.json's names (`rootNames`) stand in for it.
 */
export function lockfilePackagesGraph(
  packages: Record<string, LockfilePackage>,
  rootNames: string[] | undefined,
): { graph: DependencyGraph; unversioned: string[] } {
  const nodes = new Map<string, PackageNode>();
  const required = new Map<string, string[]>();
  const links = new Map<string, string>();
  const unversioned: string[] = [];
  for (const [key, entry] of Object.entries(packages)) {
    if (key === '') continue;
    if (entry.link) {
      if (entry.resolved !== undefined) links.set(key, entry.resolved);
      continue;
    }
    const installed = key.startsWith(NODE_MODULES) || key.includes(`/${NODE_MODULES}`);
    const folder = installed ? key.slice(key.lastIndexOf(NODE_MODULES) + NODE_MODULES.length) : key.slice(key.lastIndexOf('/') + 1);
    if (installed && entry.version === undefined) {
      unversioned.push(key);
      continue;
    }
    nodes.set(key, {
      name: entry.name ?? folder,
      label: installed ? folder : (entry.name ?? folder),
      version: entry.version ?? '',
      dev: entry.dev === true,
      checked: installed,
      dependsOn: [],
      fallbackPath: [],
    });
    required.set(key, dependencyNames(entry, !installed));
  }
  const root = packages[''];
  const graph = resolveGraph(nodes, required, root ? dependencyNames(root, true) : rootNames, links);
  return { graph, unversioned };
}
