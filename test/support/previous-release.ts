import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/core/entry.ts';

/**
 * The last commit before a service's identity became (service, environment):
 * its data dirs have one service per name. The upgrade test runs this
 * release's own compiled code to write a data dir and start its instances
 * and routers, then hands them to the current code.
 */
export const PREVIOUS_RELEASE = '3a74cde6843f37929bb29f97a0eeaccb3b43d1ad';

/**
 * Builds the previous release's dist/ once (from git history, with this
 * checkout's node_modules) and returns its CLI entry. Cached in the temp
 * folder by commit, so later runs reuse it.
 */
export function buildPreviousRelease(commit = PREVIOUS_RELEASE): string {
  const dir = join(tmpdir(), `cutover-release-${commit.slice(0, 12)}`);
  const entry = join(dir, 'dist/cli/main.js');
  if (existsSync(entry)) {
    // The cached build links the node_modules of the checkout that built it, which may be gone since: link ours.
    linkNodeModules(dir);
    return entry;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const archive = execFileSync('git', ['-C', PROJECT_ROOT, 'archive', '--format=tar', commit, 'src', 'examples', 'package.json', 'tsconfig.json', 'tsconfig.build.json'], { maxBuffer: 256 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
  } catch (error) {
    throw new Error(`could not read release ${commit} from git history (a shallow clone? fetch the full history): ${String(error)}`);
  }
  linkNodeModules(dir);
  execFileSync(process.execPath, [join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  return entry;
}

function linkNodeModules(dir: string): void {
  const link = join(dir, 'node_modules');
  rmSync(link, { force: true });
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), link, 'dir');
}
