/**
 * Vitest's v8 coverage, counting the processes the tests start as well.
 *
 * The integration tests run cutover as users do: the CLI, the server and the
 * routers are processes running dist/. Vitest's v8 provider sees only its own
 * workers, so each worker sets NODE_V8_COVERAGE before its tests: every node
 * process started from it (and from those) writes its coverage there when it
 * exits, and the report adds it, mapped back to src/ (see processes.ts).
 *
 * Not counted: a process killed with SIGKILL writes nothing (the crash tests
 * do that on purpose; Cluster.destroy stops servers and routers with SIGTERM
 * first), nor does one run from src/ through tsx (its code is not on disk).
 */
import { join } from 'node:path';
import v8 from '@vitest/coverage-v8';
import type { CoverageProviderModule } from 'vitest/node';
import type { CoverageMapLike } from './by-folder.ts';
import type { CoverageMap } from './processes.ts';
import { PROJECT_ROOT } from '../../../src/core/entry.ts';

/** Under vitest's reports directory, which it empties before a run. */
const PROCESSES_DIR = join(PROJECT_ROOT, 'coverage/.processes');

const provider: CoverageProviderModule = {
  ...v8,
  startCoverage(options) {
    process.env.NODE_V8_COVERAGE = PROCESSES_DIR;
    return v8.startCoverage?.(options);
  },
  async getProvider() {
    const base = await v8.getProvider();
    const generateCoverage = base.generateCoverage.bind(base);
    base.generateCoverage = async (context) => {
      const map = (await generateCoverage(context)) as CoverageMap;
      const { addProcessCoverage } = await import('./processes.ts');
      const processes = await addProcessCoverage(map, PROCESSES_DIR, join(PROJECT_ROOT, 'dist'));
      console.log(`coverage: with ${processes} cutover processes the tests started`);
      return map;
    };
    const reportCoverage = base.reportCoverage.bind(base);
    base.reportCoverage = async (map, context) => {
      await reportCoverage(map, context);
      const { coverageByFolder } = await import('./by-folder.ts');
      console.log(`\nCoverage of src/ by the tests and the processes they start:\n${coverageByFolder(map as CoverageMapLike, PROJECT_ROOT)}`);
    };
    return base;
  },
};

export default provider;
