import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mergeProcessCovs, type ProcessCov } from '@bcoe/v8-coverage';
import convert from 'ast-v8-to-istanbul';
import { parseAstAsync } from 'vitest/node';
import { findMarked } from '../../../src/platforms/index.ts';

type CoverageMapData = Awaited<ReturnType<typeof convert>>;
type FileCoverageData = Extract<CoverageMapData[string], { statementMap: unknown }>;

/** The part of istanbul's CoverageMap (vitest's coverage results) this uses. */
export interface CoverageMap {
  files(): string[];
  fileCoverageFor(file: string): { data: FileCoverageData };
  merge(data: CoverageMapData): void;
}

/**
 * Adds to `map` the coverage that cutover's processes wrote into `dir`
 * (NODE_V8_COVERAGE) when they exited: what ran from `distDir`, merged across
 * processes and mapped back to the TypeScript sources through tsc's source
 * maps, with the converter vitest's v8 provider uses. Deletes the raw files
 * as it reads them (a CLI run writes about 1 MB, mostly node_modules).
 * Returns how many processes ran cutover's code.
 */
export async function addProcessCoverage(map: CoverageMap, dir: string, distDir: string): Promise<number> {
  await processesExited(dir);
  const distUrl = pathToFileURL(distDir).href;
  let merged: ProcessCov = { result: [] };
  let processes = 0;
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const ours = readRaw(join(dir, name)).filter((script) => script.url.startsWith(distUrl) && script.url.endsWith('.js'));
    if (ours.length === 0) continue;
    merged = mergeProcessCovs([merged, { result: ours }]);
    processes++;
  }
  const known = new Set(map.files());
  for (const script of merged.result) {
    const path = fileURLToPath(script.url);
    if (!existsSync(`${path}.map`)) continue;
    const code = readFileSync(path, 'utf8');
    const sourceMap = JSON.parse(readFileSync(`${path}.map`, 'utf8')) as { version: number; sources: string[]; mappings: string; names: string[] };
    sourceMap.sources = sourceMap.sources.map((source) => new URL(source, script.url).href);
    const converted = await convert({ code, sourceMap, ast: parseAstAsync(code), coverage: { url: script.url, functions: script.functions } });
    for (const [file, coverage] of Object.entries(converted)) {
      const data = (coverage as { data?: FileCoverageData }).data ?? (coverage as FileCoverageData);
      map.merge({ [file]: known.has(file) ? alignLocations(data, map.fileCoverageFor(file).data) : data });
    }
  }
  return processes;
}

/** Waits (a while) for the processes started with NODE_V8_COVERAGE=dir to exit: they write their coverage as they do. */
async function processesExited(dir: string): Promise<void> {
  for (let waited = 0; waited < 15_000 && findMarked({ NODE_V8_COVERAGE: dir }).length > 0; waited += 200) await sleep(200);
}

function readRaw(file: string): ProcessCov['result'] {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as ProcessCov).result;
  } catch {
    return []; // cut short: a process killed while writing it
  } finally {
    rmSync(file, { force: true });
  }
}

interface Range {
  start: { line: number; column: number };
  end: { line: number; column: number | null };
}

/**
 * Makes `file` (converted from dist/) name its statements, functions and
 * branches with the locations `base` (vitest's own conversion of the same
 * source) uses. Both start at the same place, but their ends can differ (one
 * says "end of line" where the other gives a column), and istanbul merges
 * by whole location: unaligned, each statement would be counted twice.
 */
export function alignLocations(file: FileCoverageData, base: FileCoverageData): FileCoverageData {
  const startOf = (range: Range | undefined) => (range ? `${range.start.line}:${range.start.column}` : '');
  const align = <T>(items: Record<string, T>, theirs: Record<string, T>, range: (item: T) => Range | undefined, fits: (mine: T, other: T) => boolean = () => true) => {
    const byStart = new Map(Object.values(theirs).map((item) => [startOf(range(item)), item]));
    return Object.fromEntries(
      Object.entries(items).map(([id, item]) => {
        const other = byStart.get(startOf(range(item)));
        return [id, other !== undefined && fits(item, other) ? other : item];
      }),
    );
  };
  return {
    ...file,
    statementMap: align(file.statementMap, base.statementMap, (loc) => loc as Range),
    fnMap: align(file.fnMap, base.fnMap, (fn) => fn.loc as Range),
    branchMap: align(file.branchMap, base.branchMap, (branch) => branch.locations[0] as Range | undefined, (mine, other) => mine.locations.length === other.locations.length),
  };
}
