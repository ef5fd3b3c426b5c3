import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import { compileAdvisory } from './advisory.ts';
import type { Advisory } from './advisory.ts';
import { parseOsvRecord } from './osv.ts';

/** Advisories for npm packages, by package name. */
export interface AdvisoryDatabase {
  /** Where the advisories came from, for messages. */
  source: string;
  /** How many advisories name at least one npm package. */
  advisories: number;
  byPackage: ReadonlyMap<string, readonly Advisory[]>;
  /** Files and records that were skipped or read in part, and why. */
  warnings: string[];
}

/** A record as read, with the file it came from (for warnings). */
export interface AdvisorySource {
  file: string;
  record: unknown;
}

/** Files read at once: enough to keep the disk busy, few enough to stay under the open-file limit. */
const READ_CONCURRENCY = 64;

/**
 * Reads every `*.json` file under `dir` (a clone of github/advisory-database,
 * an osv.dev export, or hand-written records). A file that is not valid JSON
 * or not an OSV record is a warning, never a crash: one bad file must not
 * hide every other advisory.
 */
export async function loadAdvisoryDatabase(dir: string): Promise<AdvisoryDatabase> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new CutoverError(
      ErrorCode.InvalidRequest,
      `advisory database "${dir}" is not a folder; give a folder of OSV JSON records, e.g. a clone of https://github.com/github/advisory-database`,
      { context: { field: 'db', dir } },
    );
  }
  const files = await jsonFilesUnder(dir);
  const sources: AdvisorySource[] = [];
  const warnings: string[] = [];
  if (files.length === 0) warnings.push(`no .json files in ${dir}; no package can be matched`);
  for (let start = 0; start < files.length; start += READ_CONCURRENCY) {
    const batch = files.slice(start, start + READ_CONCURRENCY);
    const read = await Promise.all(batch.map((file) => readRecords(file, relative(dir, file))));
    for (const result of read) {
      if ('warning' in result) warnings.push(result.warning);
      else sources.push(...result.sources);
    }
  }
  const database = createAdvisoryDatabase(sources, dir);
  return { ...database, warnings: [...warnings, ...database.warnings] };
}

/** Builds a database from records already in memory (tests, or another loader). */
export function createAdvisoryDatabase(sources: readonly AdvisorySource[], source = 'memory'): AdvisoryDatabase {
  const byPackage = new Map<string, Advisory[]>();
  const seen = new Map<string, string>();
  const warnings: string[] = [];
  let advisories = 0;
  for (const { file, record: input } of sources) {
    const parsed = parseOsvRecord(input);
    if ('problem' in parsed) {
      warnings.push(`${file}: not an OSV record (${parsed.problem}); skipped`);
      continue;
    }
    const { advisory, problems } = compileAdvisory(parsed.record);
    warnings.push(...problems.map((problem) => `${file}: ${parsed.record.id}: ${problem}`));
    if (!advisory) continue;
    const earlier = seen.get(advisory.id);
    if (earlier !== undefined) {
      warnings.push(`${file}: ${advisory.id} is also in ${earlier}; the copy in ${earlier} is used`);
      continue;
    }
    seen.set(advisory.id, file);
    advisories += 1;
    for (const name of new Set(advisory.affected.map((entry) => entry.name))) {
      const list = byPackage.get(name) ?? [];
      list.push(advisory);
      byPackage.set(name, list);
    }
  }
  return { source, advisories, byPackage, warnings };
}

async function readRecords(file: string, shown: string): Promise<{ sources: AdvisorySource[] } | { warning: string }> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return { warning: `${shown}: not valid JSON (${messageOf(error)}); skipped` };
  }
  // Some exports put many records in one file.
  const records = Array.isArray(json) ? json : [json];
  return { sources: records.map((record, index) => ({ file: records.length > 1 ? `${shown}[${index}]` : shown, record })) };
}

/** Sorted, so warnings and duplicate handling do not depend on the file system's order. */
async function jsonFilesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    // Dot folders (.git, .github) hold no advisories and can be large.
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    // Linked folders are not followed: a link to a parent would never end.
    if (entry.isDirectory()) found.push(...(await jsonFilesUnder(path)));
    else if (entry.name.endsWith('.json') && (entry.isFile() || (await stat(path).catch(() => undefined))?.isFile())) found.push(path);
  }
  return found.sort();
}
