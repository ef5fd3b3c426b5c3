import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityToRecipient } from 'age-encryption';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import type { KeyUser } from './key-ring.ts';
import { KeyRing } from './key-ring.ts';
import { formatIdentityFile, parseIdentityFile } from './identity-file.ts';

let root = '';
let dir = '';

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cutover-keys-'));
  dir = join(root, 'keys');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string): number => statSync(path).mode & 0o777;
const usedBy = (usage: Record<string, number>): KeyUser => ({ encrypts: 'artifacts', keyUsage: async () => new Map(Object.entries(usage)) });

describe('KeyRing', () => {
  it('creates a private directory and a first key, in the file format of age-keygen, on first use', async () => {
    const ring = await KeyRing.open(dir);
    const key = ring.current();
    expect(key.id).toBe('1');
    expect(key.identity).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]+$/);
    expect(key.recipient).toBe(await identityToRecipient(key.identity));
    expect(mode(dir)).toBe(0o700);
    const file = join(dir, 'identity-1.age-key');
    expect(mode(file)).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^# created: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\n# public key: ${key.recipient}\\n${key.identity}\\n$`));
    expect(readFileSync(join(dir, 'current'), 'utf8')).toBe('1\n');
  });

  it('opening again finds the same key', async () => {
    const first = (await KeyRing.open(dir)).current();
    expect((await KeyRing.open(dir)).current()).toEqual(first);
  });

  it('rotate makes a new current key and keeps the old one for decryption, also after a restart', async () => {
    const ring = await KeyRing.open(dir);
    const old = ring.current();
    const rotated = await ring.rotate();
    expect(rotated.id).toBe('2');
    expect(ring.current()).toEqual(rotated);
    expect(ring.all().map((key) => key.id)).toEqual(['2', '1']);
    expect(ring.identities()).toEqual([rotated.identity, old.identity]);

    const reopened = await KeyRing.open(dir);
    expect(reopened.current()).toEqual(rotated);
    expect(reopened.all()).toEqual(ring.all());
  });

  it('two rotations at once make two different keys', async () => {
    const ring = await KeyRing.open(dir);
    const [a, b] = await Promise.all([ring.rotate(), ring.rotate()]);
    expect(new Set([a.id, b.id, '1']).size).toBe(3);
    expect((await KeyRing.open(dir)).all()).toHaveLength(3);
  });

  it('retire deletes an old key nothing uses any more', async () => {
    const ring = await KeyRing.open(dir);
    await ring.rotate();
    await ring.retire('1', [usedBy({ '2': 4 })]);
    expect(ring.all().map((key) => key.id)).toEqual(['2']);
    expect(readdirSync(dir).sort()).toEqual(['current', 'identity-2.age-key']);
    expect((await KeyRing.open(dir)).all().map((key) => key.id)).toEqual(['2']);
  });

  it('retire refuses the current key, an unknown key, and a key something still encrypts with', async () => {
    const ring = await KeyRing.open(dir);
    await expect(ring.retire('1')).rejects.toMatchObject({
      code: ErrorCode.Conflict,
      message: 'key 1 is the current key; rotate to a new key first (`cutover encryption-key rotate`), then retire this one',
    });
    await ring.rotate();
    await expect(ring.retire('7')).rejects.toMatchObject({ code: ErrorCode.NotFound, message: `there is no key 7 in ${dir}; the keys are 1, 2` });
    await expect(ring.retire('1', [usedBy({ '1': 3 })])).rejects.toMatchObject({
      code: ErrorCode.Conflict,
      message: 'key 1 still encrypts 3 artifacts; re-encrypt them to the current key (`cutover encryption-key rotate`), then retire it',
    });
    expect(ring.all()).toHaveLength(2);
  });

  it('a damaged key file stops the server with the file named and the key not echoed', async () => {
    await KeyRing.open(dir);
    writeFileSync(join(dir, 'identity-1.age-key'), '# public key: age1…\nAGE-SECRET-KEY-1DAMAGED\n');
    await expect(KeyRing.open(dir)).rejects.toThrow(`${join(dir, 'identity-1.age-key')} holds a damaged age secret key; restore it from a backup`);
  });

  it('a current key whose file is gone is named with the keys there are', async () => {
    const ring = await KeyRing.open(dir);
    await ring.rotate();
    rmSync(join(dir, 'identity-2.age-key'));
    await expect(KeyRing.open(dir)).rejects.toThrow(/names key 2, but .*identity-2\.age-key is missing; restore it from a backup, or write one of 1 into current$/);
  });

  it('refuses to start over with a fresh key when every key file is gone', async () => {
    await KeyRing.open(dir);
    rmSync(join(dir, 'identity-1.age-key'));
    await expect(KeyRing.open(dir)).rejects.toThrow(`every key file is missing from ${dir} (current names key 1); restore them from a backup`);
    expect(readdirSync(dir)).toEqual(['current']);
  });
});

describe('identity files', () => {
  it('parse reads back what format wrote, skipping comments and blank lines', () => {
    const text = formatIdentityFile('AGE-SECRET-KEY-1ABC', 'age1xyz', new Date('2026-01-02T03:04:05.678Z'));
    expect(text).toBe('# created: 2026-01-02T03:04:05Z\n# public key: age1xyz\nAGE-SECRET-KEY-1ABC\n');
    expect(parseIdentityFile(`${text}\n\n`)).toEqual(['AGE-SECRET-KEY-1ABC']);
  });

  it('parse refuses a line that is neither a key nor a comment, without quoting it', () => {
    expect(() => parseIdentityFile('# hi\nsecret-ish\n', 'keys/identity-1.age-key')).toThrow(
      'keys/identity-1.age-key line 2 is not an age secret key (AGE-SECRET-KEY-1…) nor a # comment',
    );
  });
});
