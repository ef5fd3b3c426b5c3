import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/core/entry.ts';

/**
 * Vitest global setup of the integration tests: they run the compiled CLI,
 * server and router (dist/), so dist/ is rebuilt first when src/ changed
 * (`node scripts/build.js`, a no-op when it is up to date). Any way of
 * running them, `npm test` or `npx vitest --run test/x.test.ts`, tests the
 * current sources.
 */
export default function buildDist(): void {
  execFileSync(process.execPath, [join(PROJECT_ROOT, 'scripts/build.js')], { cwd: PROJECT_ROOT, stdio: 'inherit' });
}
