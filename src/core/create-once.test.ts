import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOnce } from './create-once.ts';

describe('createOnce', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutover-create-once-'));
  afterEach(() => {
    for (const entry of readdirSync(dir)) rmSync(join(dir, entry));
  });

  it('creates the file (0600) the first time and returns the first content ever after', () => {
    const file = join(dir, 'admin-token');
    expect(createOnce(file, 'first\n')).toBe('first\n');
    expect(createOnce(file, 'second\n')).toBe('first\n');
    expect(readFileSync(file, 'utf8')).toBe('first\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['admin-token']); // no temporary file left
  });
});
