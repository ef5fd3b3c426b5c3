/** How the analysis benchmarks print: one table format and one quantile rule, so their figures read alike. */

/** Nearest-rank quantile; an empty list (or a run with no rollback, recorded as Infinity) gives Infinity. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Infinity;
}

/** A share as a percentage, with one decimal below 10%. */
export const percent = (x: number): string => `${(x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0)}%`;

/** A plain-text table with a title, aligned columns and a rule under the header. */
export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ').trimEnd();
  console.log(`\n${title}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('-+-')}`);
  for (const row of rows) console.log(line(row));
}
