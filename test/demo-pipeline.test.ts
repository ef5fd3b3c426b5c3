import { describe, expect, it } from 'vitest';
import { runCli } from './support/cluster.ts';

/**
 * `cutover demo --pipeline` (npm run demo:pipeline) is the README's
 * three-stage example run for real: one spec file, development → staging →
 * production by promote-env (production refusing what staging has not seen,
 * then waiting for an approver), a new version in development, and the
 * pipeline of all three, with every stage under load.
 */
describe('the pipeline demo', () => {
  it('takes hello through development, staging and production with no failed request, and shows the pipeline', async () => {
    const demo = await runCli(['demo', '--pipeline', '--rate', '20'], {}, 240_000);
    expect(demo.code, demo.stdout + demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/production takes only an artifact that succeeded in staging first/);
    expect(demo.stdout).toMatch(/deployment \d+ of hello approved/);
    // The pipeline: every stage side by side, development a version ahead.
    expect(demo.stdout).toMatch(/^development\s+1\.1\.0\s+2\s+sha256:[0-9a-f]{12}\s+Succeeded\s/m);
    expect(demo.stdout).toMatch(/^staging\s+1\.0\.0\s+1\s+sha256:[0-9a-f]{12}\s+Succeeded\s/m);
    expect(demo.stdout).toMatch(/^production\s+1\.0\.0\s+1\s+sha256:[0-9a-f]{12}\s+Succeeded\s.*development,staging,production$/m);
    for (const stage of ['development', 'staging', 'production']) expect(demo.stdout).toMatch(new RegExp(`^  ${stage}\\s+port \\d+\\s+[1-9]\\d* requests, 0 failed`, 'm'));
  }, 300_000);
});
