import type { InstalledPackage } from './types.ts';

/**
 * What a lockfile or an SBOM says is installed, as one shape: packages keyed
 * by where they are (a `node_modules/…` location or a bom-ref), each with the
 * keys it depends on, and the keys the service itself depends on.
 */
export interface DependencyGraph {
  roots: string[];
  nodes: Map<string, PackageNode>;
}

export interface PackageNode {
  /** The real package name (for an alias, the package it installs). */
  name: string;
  /** What a path shows for this node: the alias when there is one, so it matches package.json. */
  label: string;
  version: string;
  dev: boolean;
  /** False for the service's own workspaces and for SBOM components that are not npm packages. */
  checked: boolean;
  dependsOn: string[];
  /** The path to show when the graph gives none (a package nothing requires). */
  fallbackPath: string[];
}

/** Enough paths to see where a package comes from without printing a whole tree. */
export const MAX_PATHS = 5;

/** The checked packages of a graph, each with its shortest paths from the roots. */
export function installedPackages(graph: DependencyGraph): InstalledPackage[] {
  const pathsByKey = shortestPaths(graph);
  const installed: InstalledPackage[] = [];
  for (const [key, node] of graph.nodes) {
    if (!node.checked) continue;
    const keyPaths = pathsByKey.get(key);
    const paths = keyPaths
      ? keyPaths.map((keys) => keys.map((step) => graph.nodes.get(step)?.label ?? step))
      : [node.fallbackPath];
    installed.push({ name: node.name, version: node.version, dev: node.dev, paths });
  }
  return installed;
}

/**
 * Breadth first over paths, so each node keeps its MAX_PATHS shortest paths
 * and the work stays proportional to the edges (a real tree has far too many
 * paths to list them all).
 */
function shortestPaths(graph: DependencyGraph): Map<string, string[][]> {
  const found = new Map<string, string[][]>();
  const queue: string[][] = [...new Set(graph.roots)].filter((root) => graph.nodes.has(root)).map((root) => [root]);
  for (let head = 0; head < queue.length; head += 1) {
    const path = queue[head] as string[];
    const key = path[path.length - 1] as string;
    const paths = found.get(key) ?? [];
    if (paths.length >= MAX_PATHS) continue;
    paths.push(path);
    found.set(key, paths);
    for (const next of graph.nodes.get(key)?.dependsOn ?? []) {
      if (!graph.nodes.has(next) || path.includes(next)) continue;
      if ((found.get(next)?.length ?? 0) < MAX_PATHS) queue.push([...path, next]);
    }
  }
  return found;
}

/** The same package version read from several places (a lockfile and an SBOM) is one package. */
export function mergeInstalled(packages: readonly InstalledPackage[]): InstalledPackage[] {
  const merged = new Map<string, InstalledPackage>();
  for (const item of packages) {
    const key = `${item.name}@${item.version}`;
    const existing = merged.get(key);
    if (!existing) {
      merged.set(key, { ...item, paths: uniquePaths(item.paths) });
      continue;
    }
    // Dev only if every copy is dev only: one production copy ships it.
    existing.dev = existing.dev && item.dev;
    existing.paths = uniquePaths([...existing.paths, ...item.paths]);
  }
  return [...merged.values()];
}

function uniquePaths(paths: readonly string[][]): string[][] {
  const byText = new Map<string, string[]>();
  for (const path of paths) if (!byText.has(path.join('\0'))) byText.set(path.join('\0'), path);
  return [...byText.values()].sort((a, b) => a.length - b.length).slice(0, MAX_PATHS);
}

/** Where Node looks for `name` from a package at `fromKey`: its own node_modules, then each folder above. */
export function* lookupLocations(fromKey: string, name: string): Generator<string> {
  let dir = fromKey;
  while (true) {
    yield dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (!dir) return;
    const nested = dir.lastIndexOf('/node_modules/');
    if (nested >= 0) dir = dir.slice(0, nested);
    else if (dir.startsWith('node_modules/')) dir = '';
    else dir = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
  }
}

/** The labels along a `node_modules/a/node_modules/b` location: where it sits is how it got there. */
export function nestingPath(nodes: ReadonlyMap<string, PackageNode>, key: string): string[] {
  const labels: string[] = [];
  let prefix = '';
  for (const part of key.split('/node_modules/')) {
    prefix = prefix ? `${prefix}/node_modules/${part}` : part;
    labels.push(nodes.get(prefix)?.label ?? part.replace(/^node_modules\//, ''));
  }
  return labels;
}
