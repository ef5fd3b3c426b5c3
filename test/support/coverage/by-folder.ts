import { relative } from 'node:path';

interface Totals {
  total: number;
  covered: number;
}

/** The part of istanbul's CoverageMap this reads. */
export interface CoverageMapLike {
  files(): string[];
  fileCoverageFor(file: string): { toSummary(): { lines: Totals; branches: Totals } };
}

/**
 * Lines and branches covered per folder of src/ (its first level: src/engine,
 * src/router, …) and in total, as a table for the CI log.
 */
export function coverageByFolder(map: CoverageMapLike, root: string): string {
  const folders = new Map<string, { lines: Totals; branches: Totals }>();
  const add = (into: Totals, from: Totals) => {
    into.total += from.total;
    into.covered += from.covered;
  };
  const total = { lines: { total: 0, covered: 0 }, branches: { total: 0, covered: 0 } };
  for (const file of map.files()) {
    const parts = relative(root, file).split('/');
    const folder = parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]!;
    const summary = map.fileCoverageFor(file).toSummary();
    const sums = folders.get(folder) ?? { lines: { total: 0, covered: 0 }, branches: { total: 0, covered: 0 } };
    folders.set(folder, sums);
    for (const into of [sums, total]) {
      add(into.lines, summary.lines);
      add(into.branches, summary.branches);
    }
  }
  const cell = ({ total, covered }: Totals) => `${total === 0 ? '  -  ' : `${((100 * covered) / total).toFixed(1).padStart(5)} %`} ${`(${covered}/${total})`.padEnd(13)}`;
  const row = (name: string, sums: { lines: Totals; branches: Totals }) => `${name.padEnd(20)} ${cell(sums.lines)}  ${cell(sums.branches)}`;
  return [
    `${'folder'.padEnd(20)} ${'lines'.padEnd(21)}  branches`,
    ...[...folders.keys()].sort().map((name) => row(name, folders.get(name)!)),
    row('total', total),
  ].join('\n');
}
