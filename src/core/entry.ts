import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The project's root folder (where package.json is); src/ and dist/ are both two levels below it. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** cutover's own programs, by their path under src/ and dist/ without the extension. */
export const Program = {
  cli: 'cli/main',
  router: 'router/main',
} as const;
export type Program = (typeof Program)[keyof typeof Program];

/**
 * Which code a program runs: `dist` is the compiled JavaScript (`npm run
 * build`) that users run with plain node; `src` is the TypeScript sources,
 * run through tsx's loader (a dev dependency), as the unit tests do.
 */
export type Build = 'dist' | 'src';

/** The build this module belongs to: a process started from the sources starts its helpers from the sources too. */
export const RUNNING_BUILD: Build = import.meta.url.endsWith('.ts') ? 'src' : 'dist';

/** The file of one of cutover's programs in a build. */
export function programFile(program: Program, build: Build = RUNNING_BUILD): string {
  return fileURLToPath(new URL(`../../${build}/${program}.${build === 'src' ? 'ts' : 'js'}`, import.meta.url));
}

/**
 * Arguments for `node` to run one of cutover's programs in a new process
 * (absolute paths, so it works from any working directory). The compiled
 * build needs no loader: routers and servers started by a user's cutover
 * are plain node processes.
 */
export function nodeArgsFor(program: Program, build: Build = RUNNING_BUILD): string[] {
  if (build === 'dist') return [programFile(program, build)];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--import', tsx, programFile(program, build)];
}
