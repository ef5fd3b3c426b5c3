// `node scripts/build.js`: builds dist/ (the compiled JavaScript that users
// run) when it is missing or older than the sources, so `npm ci`, `npm test`,
// `npm run demo` and the benchmarks always run the current code without a
// full build each time. `npm run build` always builds.
//
// A production install (`npm ci --omit=dev`) has no TypeScript: it runs the
// dist/ built before, in a development install or in CI, and fails saying how
// to get one when there is none.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
/** tsc's incremental state: its modification time is the time of the last successful build. */
const STAMP = join(ROOT, 'dist/.tsbuildinfo');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

/** The newest modification time under `path`, ignoring unit tests (they are not built). */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return path.endsWith('.test.ts') ? 0 : stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

function isFresh() {
  if (!existsSync(STAMP) || !existsSync(join(ROOT, 'dist/cli/main.js'))) return false;
  const built = statSync(STAMP).mtimeMs;
  return INPUTS.every((input) => newest(join(ROOT, input)) <= built);
}

function typescriptCompiler() {
  try {
    return createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    return null;
  }
}

/** The dashboard is bundled by esbuild (a development dependency), apart from tsc. */
function isDashboardFresh() {
  const built = join(ROOT, 'dist/ui/app.js');
  if (!existsSync(built)) return false;
  const at = statSync(built).mtimeMs;
  return [join(ROOT, 'src/ui'), join(ROOT, 'package-lock.json'), join(ROOT, 'scripts/build-ui.js')].every((input) => newest(input) <= at);
}

if (!isFresh()) {
  const tsc = typescriptCompiler();
  if (tsc === null) {
    if (!existsSync(join(ROOT, 'dist/cli/main.js'))) {
      console.error('cutover: dist/ is missing and TypeScript is not installed (a production install). Build it in a development install first (`npm ci && npm run build`), then `npm ci --omit=dev`.');
      process.exit(1);
    }
    if (existsSync(join(ROOT, 'src'))) console.warn('cutover: src/ changed since dist/ was built, and TypeScript is not installed to rebuild it: running the dist/ there is.');
  } else {
    console.log('cutover: building dist/ (tsc -p tsconfig.build.json): it is missing or older than src/');
    const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) {
      // tsc writes its state even when it reports errors: mark it stale so the next run builds again.
      if (existsSync(STAMP)) utimesSync(STAMP, 0, 0);
      process.exit(build.status ?? 1);
    }
    // An unchanged program leaves tsc's state untouched; the stamp says "built now" either way.
    const now = new Date();
    utimesSync(STAMP, now, now);
  }
}

if (!isDashboardFresh()) {
  let esbuild = null;
  try {
    esbuild = createRequire(import.meta.url).resolve('esbuild');
  } catch {
    // a production install: it serves the dashboard built before, if any
  }
  if (esbuild === null) {
    if (!existsSync(join(ROOT, 'dist/ui/app.js'))) console.warn('cutover: the dashboard (dist/ui/) is not built and esbuild is not installed (a production install): /ui will say so. Build it in a development install (`npm ci && npm run build`).');
  } else {
    const { buildDashboard } = await import('./build-ui.js');
    await buildDashboard();
  }
}
