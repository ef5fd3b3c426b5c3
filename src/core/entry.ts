import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** The project's root folder (where package.json is). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The CLI entry, for starting cutover's own processes (server, router). */
export const CLI_ENTRY = fileURLToPath(new URL('../../bin/cutover.js', import.meta.url));

/**
 * Arguments to run one of cutover's TypeScript entry points in a new Node
 * process through tsx's loader (resolved to an absolute path, so it works
 * from any working directory).
 */
export function nodeArgsFor(file: string): string[] {
  const loader = pathToFileURL(require.resolve('tsx')).href;
  return ['--import', loader, file];
}
