import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { cycloneDxGraph, isCycloneDx } from './cyclonedx.ts';
import type { DependencyGraph } from './dependency-graph.ts';
import { isRecord, readJsonFile, readOptionalJson } from './json-file.ts';
import { REGENERATE_LOCKFILE, lockfileGraph } from './lockfile.ts';
import { dependencyNames } from './node-resolution.ts';
import type { DependencyFields } from './node-resolution.ts';

/** What an artifact says it installs: one graph per file read. */
export interface ArtifactInventory {
  sources: string[];
  graphs: DependencyGraph[];
  notes: string[];
}

/** npm reads npm-shrinkwrap.json over package-lock.json; the hidden lockfile describes node_modules as installed. */
const LOCKFILES = ['npm-shrinkwrap.json', 'package-lock.json', 'node_modules/.package-lock.json'];
/** Any other JSON file is opened to look for `bomFormat`; a data file of gigabytes should not be. */
const LARGEST_UNNAMED_JSON = 64 * 1024 * 1024;
/** JSON files at the top of a Node.js service that are never SBOMs, so they are not opened. */
const NOT_SBOMS = new Set(['package.json', 'package-lock.json', 'npm-shrinkwrap.json']);

/**
 * Finds and reads the lockfile and the CycloneDX SBOMs at the top of an
 * artifact folder. `bom.json` and `*.cdx.json` must be valid; any other JSON
 * file counts only if it says `"bomFormat": "CycloneDX"`.
 */
export async function readArtifactInventory(dir: string): Promise<ArtifactInventory> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new CutoverError(ErrorCode.InvalidRequest, `artifact "${dir}" is not a folder; give the folder of the service to scan`, {
      context: { artifact: dir },
    });
  }
  const inventory: ArtifactInventory = { sources: [], graphs: [], notes: [] };
  await readLockfile(dir, inventory);
  await readSboms(dir, inventory);
  if (inventory.sources.length === 0) {
    inventory.notes.push(
      `no package-lock.json, npm-shrinkwrap.json or CycloneDX SBOM in ${dir}, so no package was checked; create a lockfile with "npm install --package-lock-only" or add a CycloneDX bom.json`,
    );
  }
  return inventory;
}

async function readLockfile(dir: string, inventory: ArtifactInventory): Promise<void> {
  const present: string[] = [];
  for (const name of LOCKFILES) if (await isFile(join(dir, name))) present.push(name);
  const [chosen, ...ignored] = present;
  if (!chosen) return;
  const file = join(dir, chosen);
  // The hidden lockfile being passed over is the normal case, not news.
  const shadowed = ignored.filter((name) => !name.startsWith('node_modules/'));
  if (shadowed.length > 0) inventory.notes.push(`${file} is read; ${shadowed.join(' and ')} is not, as in npm`);
  const lock = await readJsonFile(file, REGENERATE_LOCKFILE);
  const { graph, notes } = lockfileGraph(lock, file, await manifestDependencies(dir));
  inventory.sources.push(file);
  inventory.graphs.push(graph);
  inventory.notes.push(...notes);
}

/** What package.json depends on: a v1 lockfile needs it to know where paths start. */
async function manifestDependencies(dir: string): Promise<string[] | undefined> {
  const manifest = await readOptionalJson(join(dir, 'package.json'));
  if (!isRecord(manifest)) return undefined;
  const field = (name: string): Record<string, string> | undefined => (isRecord(manifest[name]) ? (manifest[name] as Record<string, string>) : undefined);
  const fields: DependencyFields = {
    dependencies: field('dependencies'),
    optionalDependencies: field('optionalDependencies'),
    peerDependencies: field('peerDependencies'),
    devDependencies: field('devDependencies'),
  };
  return dependencyNames(fields, true);
}

async function readSboms(dir: string, inventory: ArtifactInventory): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((entry) => entry.isFile() && entry.name.endsWith('.json') && !NOT_SBOMS.has(entry.name)).map((entry) => entry.name);
  for (const name of names.sort()) {
    const file = join(dir, name);
    const named = name === 'bom.json' || name.endsWith('.cdx.json');
    if (!named && (await stat(file)).size > LARGEST_UNNAMED_JSON) {
      inventory.notes.push(`${file} is too large to look into for an SBOM; name it bom.json or *.cdx.json if it is one`);
      continue;
    }
    const json = named ? await readJsonFile(file, 'regenerate the SBOM') : await readOptionalJson(file);
    if (!isCycloneDx(json)) {
      if (named) inventory.notes.push(`${file} is not a CycloneDX JSON SBOM (no "bomFormat": "CycloneDX") and was not read`);
      continue;
    }
    const { graph, notes } = cycloneDxGraph(json, file);
    inventory.sources.push(file);
    inventory.graphs.push(graph);
    inventory.notes.push(...notes);
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
