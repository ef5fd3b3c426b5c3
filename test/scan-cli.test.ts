import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cluster.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const db = join(FIXTURES, 'advisories');

describe('cutover scan', () => {
  it('prints a table of findings from a lockfile, worst first', async () => {
    const result = await runCli(['scan', join(FIXTURES, 'sboms/lockfile-v3'), '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^CRITICAL\s+9\.8\s+lodash\s+4\.17\.20\s+4\.17\.21\s+GHSA-/m);
    expect(result.stdout).toMatch(/billing-core > ip/);
  });

  it('prints JSON with the package, version, advisory, aliases, severity, fix and path of each finding', async () => {
    const result = await runCli(['scan', join(FIXTURES, 'sboms/cyclonedx'), '--db', db, '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { findings: Record<string, unknown>[]; summary: Record<string, number> };
    expect(report.findings.length).toBeGreaterThan(0);
    expect(Object.keys(report.findings[0]!)).toEqual(expect.arrayContaining(['package', 'version', 'advisoryId', 'aliases', 'severity', 'paths']));
  });

  it('exits 1 when a finding reaches --fail-on, 2 without a database', async () => {
    expect((await runCli(['scan', join(FIXTURES, 'sboms/lockfile-v1'), '--db', db, '--fail-on', 'high'])).code).toBe(1);
    const none = await runCli(['scan', join(FIXTURES, 'sboms/lockfile-v1')], { CUTOVER_ADVISORY_DB: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no advisory database/);
  });
});
