import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './support/cluster.ts';
import { allTargets, fuzzRuns } from './support/fuzz/index.ts';

/**
 * The short version of `npm run fuzz` (bench/fuzz.ts): every target for
 * FUZZ_RUNS cases (200 unless set) with a fixed seed per run of CI. A failure
 * prints fast-check's counterexample and seed; write it as a regression test
 * beside the code it broke.
 */
describe('fuzzing: no crash, no 5xx, every refusal names the field', () => {
  const cluster = new Cluster();
  const root = mkdtempSync(join(tmpdir(), 'cutover-fuzz-'));
  const runs = fuzzRuns(200);
  const targets = allTargets(cluster, root);

  beforeAll(() => cluster.start());
  afterAll(async () => {
    await cluster.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  for (const target of targets) {
    it(`${target.name}: ${runs} cases`, async () => {
      const count = await target.run(runs);
      expect(count.cases).toBe(runs);
    }, 120_000);
  }
});
