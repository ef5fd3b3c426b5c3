import type { OutputFormat } from './options.ts';

/** A plain table with aligned columns. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Prints `value` as indented JSON (`-o json`), or as the text `text` makes of it. */
export function print<T>(format: OutputFormat, value: T, text: (value: T) => string): void {
  const out = format === 'json' ? JSON.stringify(value, null, 2) : text(value);
  process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
}
