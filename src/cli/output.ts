import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { OutputFormat } from './options.ts';

/** YAML is loaded only when asked for, so `--help` and text output stay quick. */
const load = createRequire(import.meta.url);

/** A plain table with aligned columns. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Prints `value` as indented JSON (`-o json`), YAML (`-o yaml`, the same fields), or as the text `text` makes of it. */
export function print<T>(format: OutputFormat, value: T, text: (value: T) => string): void {
  const out = format === 'json' ? JSON.stringify(value, null, 2) : format === 'yaml' ? (load('yaml') as typeof Yaml).stringify(value) : text(value);
  process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
}
