import { z } from 'zod';
import type { DependencyGraph, PackageNode } from './dependency-graph.ts';
import { resolveGraph } from './node-resolution.ts';

/** A lockfile v1 entry (npm 5 and 6): nested `dependencies` mirror the node_modules folders. */
export interface LockfileV1Entry {
  version: string;
  dev?: boolean | undefined;
  requires?: Record<string, string> | undefined;
  dependencies?: Record<string, LockfileV1Entry> | undefined;
}

export const lockfileV1Entry: z.ZodType<LockfileV1Entry> = z.object({
  version: z.string(),
  dev: z.boolean().optional(),
  requires: z.record(z.string(), z.string()).optional(),
  get dependencies() {
    return z.record(z.string(), lockfileV1Entry).optional();
  },
});

/**
 * Builds the graph of a v1 lockfile. It does not record what the service
 * itself depends on, so that comes from package.json when there is one.
 */
export function lockfileV1Graph(dependencies: Record<string, LockfileV1Entry>, rootNames: string[] | undefined): DependencyGraph {
  const nodes = new Map<string, PackageNode>();
  const required = new Map<string, string[]>();
  const visit = (entries: Record<string, LockfileV1Entry>, parentKey: string): void => {
    for (const [folder, entry] of Object.entries(entries)) {
      const key = parentKey ? `${parentKey}/node_modules/${folder}` : `node_modules/${folder}`;
      const { name, version } = unalias(folder, entry.version);
      nodes.set(key, { name, label: folder, version, dev: entry.dev === true, checked: true, dependsOn: [], fallbackPath: [] });
      required.set(key, Object.keys(entry.requires ?? {}));
      if (entry.dependencies) visit(entry.dependencies, key);
    }
  };
  visit(dependencies, '');
  return resolveGraph(nodes, required, rootNames);
}

/** v1 writes an alias (`"old-lodash": "npm:lodash@^3"`) as version `npm:lodash@3.10.1`. */
function unalias(folder: string, version: string): { name: string; version: string } {
  if (!version.startsWith('npm:')) return { name: folder, version };
  const spec = version.slice('npm:'.length);
  const at = spec.lastIndexOf('@');
  return at > 0 ? { name: spec.slice(0, at), version: spec.slice(at + 1) } : { name: folder, version };
}
