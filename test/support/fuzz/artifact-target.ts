/**
 * Fuzz target for artifact unpacking (ArtifactStore.put + unpack): archives
 * with path traversal, absolute paths, links out of the tree, setuid modes,
 * lying sizes and junk. Unpacking either refuses with a CutoverError or
 * leaves a tree where nothing was written outside the destination, nothing
 * has a setuid, setgid or sticky bit, and no hard link points outside.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CutoverError } from '../../../src/core/errors.ts';
import { ArtifactStore } from '../../../src/supply-chain/artifacts.ts';
import { fuzzTarget, type FuzzTarget } from './target.ts';
import { tarGz, type TarEntry } from './tar.ts';

const segment = fc.constantFrom('..', '.', 'a', 'b', 'etc', 'passwd', '', 'x'.repeat(99), 'ü', 'c d');
const tarPath = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('/')),
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
  fc.string({ maxLength: 30 }),
);

const entry: fc.Arbitrary<TarEntry> = fc.record({
  path: tarPath,
  type: fc.constantFrom('0', '0', '5', '2', '1', '3', '6', 'x', 'g', 'L'),
  mode: fc.oneof(fc.constantFrom(0o644, 0o755, 0o4755, 0o2755, 0o1777, 0o7777, 0), fc.nat(0o177777)),
  linkpath: fc.option(tarPath, { nil: undefined }),
  content: fc.option(fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)), { nil: undefined }),
  declaredSize: fc.option(fc.oneof(fc.nat(2000), fc.constantFrom(5 * 1024 ** 3, 8 ** 11 - 1)), { nil: undefined }),
}, { requiredKeys: ['path', 'type', 'mode'] });

/** Everything under `dir`, as paths relative to it. */
function listTree(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((d) => {
    const relative = join(prefix, d.name);
    return d.isDirectory() ? [relative, ...listTree(dir, relative)] : [relative];
  });
}

/** A target unpacking into a fresh folder under `root`; the caller removes `root`. */
export function artifactTarget(root = mkdtempSync(join(tmpdir(), 'cutover-fuzz-artifacts-'))): FuzzTarget {
  const store = new ArtifactStore(join(root, 'store'));
  let n = 0;
  return fuzzTarget('artifact unpacking', fc.oneof(fc.array(entry, { maxLength: 6 }).map(tarGz), fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a))), async (archive) => {
    const cell = join(root, `case-${n++}`);
    const dest = join(cell, 'unpacked');
    mkdirSync(cell, { recursive: true });
    let refusal: unknown;
    try {
      const { digest } = await store.put(archive);
      await store.unpack(digest, dest);
    } catch (error) {
      refusal = error;
    }
    if (readdirSync(root).some((name) => name !== 'store' && !name.startsWith('case-'))) throw new Error(`unpacking wrote outside its folder: ${readdirSync(root).join(', ')}`);
    if (refusal !== undefined) {
      if (!(refusal instanceof CutoverError)) throw new Error(`unpacking threw ${String(refusal)} instead of a CutoverError`, { cause: refusal });
      if (readdirSync(cell).length > 0) throw new Error(`a refused archive left ${readdirSync(cell).join(', ')} behind`);
      return 'refused';
    }
    const outside = readdirSync(cell).filter((name) => name !== 'unpacked');
    if (outside.length > 0) throw new Error(`unpacking wrote beside its folder: ${outside.join(', ')}`);
    for (const file of listTree(dest)) {
      const stat = lstatSync(join(dest, file));
      if (stat.mode & 0o7000) throw new Error(`${file} was unpacked with mode ${(stat.mode & 0o7777).toString(8)}`);
    }
    rmSync(cell, { recursive: true, force: true });
    return 'accepted';
  });
}
