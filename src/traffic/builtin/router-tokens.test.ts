import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateToken } from './router-tokens.ts';

const MODULE = fileURLToPath(new URL('./router-tokens.ts', import.meta.url));

/** One process that waits for `at` (epoch ms), then loads or creates the token in `file` and prints it. */
function racer(file: string, at: number): Promise<{ code: number | null; out: string; err: string }> {
  const code = `const { loadOrCreateToken } = await import(${JSON.stringify(MODULE)}); while (Date.now() < ${at}); process.stdout.write(loadOrCreateToken(${JSON.stringify(file)}));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve) => child.on('close', (exit) => resolve({ code: exit, out, err })));
}

describe('loadOrCreateToken', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutover-router-tokens-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a token once and reads it back after', () => {
    const file = join(dir, 'metrics-token');
    const token = loadOrCreateToken(file);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(loadOrCreateToken(file)).toBe(token);
    expect(readFileSync(file, 'utf8')).toBe(`${token}\n`);
  });

  // Replicas started together on one data dir each create metrics-token at the same instant (CI saw one fail to
  // start with EEXIST). Six processes released at one instant, over several rounds: all start, all agree.
  it('gives every process that creates it at the same instant the same token, and fails none', { timeout: 60_000 }, async () => {
    for (let round = 0; round < 3; round++) {
      const file = join(dir, `raced-${round}`);
      const at = Date.now() + 3000;
      const results = await Promise.all(Array.from({ length: 6 }, () => racer(file, at)));
      for (const result of results) expect(result, result.err).toMatchObject({ code: 0 });
      const token = readFileSync(file, 'utf8').trim();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(results.map((result) => result.out)).toEqual(Array(6).fill(token));
    }
  });
});
