import { z } from 'zod';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import type { DependencyGraph, PackageNode } from './dependency-graph.ts';
import { isRecord } from './json-file.ts';
import { formatPath } from './osv.ts';
import { npmPackageOf } from './purl.ts';

interface Component {
  'bom-ref'?: string | undefined;
  name: string;
  group?: string | undefined;
  version?: string | undefined;
  purl?: string | undefined;
  scope?: string | undefined;
  properties?: Array<{ name: string; value?: string | undefined }> | undefined;
  components?: Component[] | undefined;
}

const component: z.ZodType<Component> = z.object({
  'bom-ref': z.string().optional(),
  name: z.string(),
  group: z.string().optional(),
  version: z.string().optional(),
  purl: z.string().optional(),
  scope: z.string().optional(),
  properties: z.array(z.object({ name: z.string(), value: z.string().optional() })).optional(),
  get components() {
    return z.array(component).optional();
  },
});

const bom = z.object({
  bomFormat: z.literal('CycloneDX'),
  metadata: z.object({ component: component.optional() }).optional(),
  components: z.array(component).optional(),
  dependencies: z.array(z.object({ ref: z.string(), dependsOn: z.array(z.string()).optional() })).optional(),
});

/** cyclonedx-npm marks the development tree with this property. */
const DEVELOPMENT_PROPERTY = 'cdx:npm:package:development';

export function isCycloneDx(json: unknown): boolean {
  return isRecord(json) && json.bomFormat === 'CycloneDX';
}

/**
 * The graph of a CycloneDX JSON SBOM: npm components (by purl) are checked;
 * other components stay in the graph so paths through them still show. The
 * service is `metadata.component`; without a dependency graph each component
 * is its own path.
 */
export function cycloneDxGraph(input: unknown, file: string): { graph: DependencyGraph; notes: string[] } {
  const result = bom.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new CutoverError(
      ErrorCode.InvalidRequest,
      `${file} is not a valid CycloneDX SBOM: ${formatPath(issue?.path ?? []) || '(document)'}: ${issue?.message ?? 'invalid'}; regenerate it, e.g. with "npx @cyclonedx/cyclonedx-npm --output-file bom.json"`,
      { context: { file } },
    );
  }
  const nodes = new Map<string, PackageNode>();
  const notChecked: string[] = [];
  for (const [index, item] of flatten(result.data.components ?? []).entries()) {
    const key = item['bom-ref'] ?? item.purl ?? `#${index}`;
    const npm = item.purl ? npmPackageOf(item.purl) : undefined;
    const version = npm?.version ?? item.version;
    const name = npm?.name ?? (item.group ? `${item.group}/${item.name}` : item.name);
    const checked = npm !== undefined && version !== undefined;
    if (!checked) notChecked.push(version ? `${name}@${version}` : name);
    nodes.set(key, { name, label: name, version: version ?? '', dev: isDevelopment(item), checked, dependsOn: [], fallbackPath: [name] });
  }
  const dependencies = result.data.dependencies ?? [];
  for (const { ref, dependsOn } of dependencies) {
    const node = nodes.get(ref);
    if (node) node.dependsOn = (dependsOn ?? []).filter((target) => nodes.has(target));
  }
  const serviceRef = result.data.metadata?.component?.['bom-ref'];
  // Some generators list the service among its own components; it is not a dependency.
  const service = serviceRef === undefined ? undefined : nodes.get(serviceRef);
  if (service) service.checked = false;
  const serviceDependsOn = dependencies.find((entry) => entry.ref === serviceRef)?.dependsOn;
  const roots = serviceDependsOn ?? notRequired(nodes);
  const notes = notChecked.length ? [`${file}: not checked, as ${describeUnchecked(notChecked)}`] : [];
  return { graph: { roots, nodes }, notes };
}

/** `openssl@3.0.2 is not an npm package with a version` or `3 components are not … (a, b, c)`. */
function describeUnchecked(names: readonly string[]): string {
  if (names.length === 1) return `${names[0]} is not an npm package with a version`;
  return `${names.length} components are not npm packages with a version (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`;
}

function flatten(components: readonly Component[]): Component[] {
  return components.flatMap((item) => [item, ...flatten(item.components ?? [])]);
}

function isDevelopment(item: Component): boolean {
  // `excluded` scope: "not part of the runtime"; the property is cyclonedx-npm's own, more precise mark.
  return item.scope === 'excluded' || (item.properties ?? []).some((property) => property.name === DEVELOPMENT_PROPERTY && property.value === 'true');
}

function notRequired(nodes: ReadonlyMap<string, PackageNode>): string[] {
  const required = new Set([...nodes.values()].flatMap((node) => node.dependsOn));
  return [...nodes.keys()].filter((key) => !required.has(key));
}
