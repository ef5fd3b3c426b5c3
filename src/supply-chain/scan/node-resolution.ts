import { lookupLocations, nestingPath } from './dependency-graph.ts';
import type { DependencyGraph, PackageNode } from './dependency-graph.ts';

/** The dependency fields of a package.json or a lockfile entry, by name. */
export interface DependencyFields {
  dependencies?: Record<string, string> | undefined;
  optionalDependencies?: Record<string, string> | undefined;
  peerDependencies?: Record<string, string> | undefined;
  devDependencies?: Record<string, string> | undefined;
}

/**
 * The names a package depends on. devDependencies count only for the service
 * and its workspaces: npm never installs an installed package's dev tree.
 */
export function dependencyNames(fields: DependencyFields, withDev: boolean): string[] {
  return [
    ...new Set([
      ...Object.keys(fields.dependencies ?? {}),
      ...Object.keys(fields.optionalDependencies ?? {}),
      ...Object.keys(fields.peerDependencies ?? {}),
      ...(withDev ? Object.keys(fields.devDependencies ?? {}) : []),
    ]),
  ];
}

/**
 * Turns names into edges the way Node resolves `require(name)`: the nearest
 * `node_modules/name` walking up from the requiring package. This is why a
 * hoisted `node_modules/qs` still shows as `express > body-parser > qs`.
 * `links` maps a workspace link's location to the folder it points at.
 */
export function resolveGraph(
  nodes: Map<string, PackageNode>,
  required: ReadonlyMap<string, readonly string[]>,
  rootNames: readonly string[] | undefined,
  links: ReadonlyMap<string, string> = new Map(),
): DependencyGraph {
  const resolve = (fromKey: string, name: string): string | undefined => {
    for (const location of lookupLocations(fromKey, name)) {
      const target = links.get(location) ?? location;
      if (links.has(location) || nodes.has(location)) return nodes.has(target) ? target : undefined;
    }
    return undefined;
  };
  for (const [key, names] of required) {
    const node = nodes.get(key);
    if (!node) continue;
    node.dependsOn = names.map((name) => resolve(key, name)).filter((target): target is string => target !== undefined);
  }
  for (const [key, node] of nodes) node.fallbackPath = nestingPath(nodes, key);

  // Workspaces are the service's own code, so each starts paths of its own.
  const workspaces = [...nodes.entries()].filter(([, node]) => !node.checked).map(([key]) => key);
  if (rootNames) {
    const direct = rootNames.map((name) => resolve('', name)).filter((key): key is string => key !== undefined);
    return { roots: [...direct, ...workspaces], nodes };
  }
  return { roots: [...topLevelNotRequired(nodes), ...workspaces], nodes };
}

/**
 * Without the service's own dependency list (a v1 lockfile and no
 * package.json), the direct dependencies are the top-level packages nothing
 * else requires; if a cycle leaves none, every top-level package.
 */
function topLevelNotRequired(nodes: ReadonlyMap<string, PackageNode>): string[] {
  const required = new Set([...nodes.values()].flatMap((node) => node.dependsOn));
  const topLevel = [...nodes.keys()].filter((key) => key.startsWith('node_modules/') && !key.includes('/node_modules/'));
  const roots = topLevel.filter((key) => !required.has(key));
  return roots.length > 0 ? roots : topLevel;
}
