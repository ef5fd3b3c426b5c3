import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cluster.ts';

/**
 * Every invalid spec in test/fixtures/specs/invalid, through the real CLI:
 * exit 2 and a message naming the field (the first line of each fixture says
 * which). Validation happens before the CLI contacts any server.
 */
const DIR = join(import.meta.dirname, 'fixtures/specs/invalid');
const fixtures = readdirSync(DIR)
  .filter((file) => file.endsWith('.yaml') || file.endsWith('.json'))
  .sort()
  .map((file) => ({ file, expected: /^# expect: (.+)$/m.exec(readFileSync(join(DIR, file), 'utf8'))![1]!.trim() }));

describe('cutover apply with an invalid spec', () => {
  it('has at least 20 invalid specs to try', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
  });

  it.each(fixtures)('$file: exits 2 and names $expected', async ({ file, expected }) => {
    const result = await runCli(['apply', '-f', join(DIR, file)], { CUTOVER_SERVER: 'http://127.0.0.1:9' });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`  ${expected}: `);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });

  it('names a missing file and exits 2', async () => {
    const result = await runCli(['apply', '-f', '/nonexistent/spec.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('/nonexistent/spec.yaml');
  });

  it('exits 2 on a usage error', async () => {
    const result = await runCli(['apply']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--file/);
  });
});
