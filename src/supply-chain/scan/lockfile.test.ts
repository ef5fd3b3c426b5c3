import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CutoverError } from '../../core/errors.ts';
import { MAX_PATHS, installedPackages } from './dependency-graph.ts';
import { lockfileGraph } from './lockfile.ts';

const SBOMS = new URL('../../../test/fixtures/sboms/', import.meta.url).pathname;

function fixture(dir: string): unknown {
  return JSON.parse(readFileSync(`${SBOMS}${dir}/package-lock.json`, 'utf8'));
}

/** `name@version` → how it is installed, paths as `a > b`. */
function installed(lock: unknown, rootNames?: string[]): Record<string, { dev: boolean; paths: string[] }> {
  const { graph } = lockfileGraph(lock, 'package-lock.json', rootNames);
  return Object.fromEntries(
    installedPackages(graph).map((item) => [`${item.name}@${item.version}`, { dev: item.dev, paths: item.paths.map((path) => path.join(' > ')) }]),
  );
}

function errorOf(lock: unknown): CutoverError {
  try {
    lockfileGraph(lock, 'app/package-lock.json');
  } catch (error) {
    if (error instanceof CutoverError) return error;
    throw error;
  }
  throw new Error('expected the lockfile to be rejected');
}

describe('lockfile v1 (npm 5 and 6)', () => {
  const lock = fixture('lockfile-v1');
  const rootNames = ['express', 'lodash', 'lodash3', 'mocha'];

  it('reads every nested entry, with the real name of an alias', () => {
    expect(Object.keys(installed(lock, rootNames)).sort()).toEqual([
      'body-parser@1.18.2',
      'debug@2.6.9',
      'debug@3.1.0',
      'express@4.16.0',
      'lodash@3.10.1',
      'lodash@4.17.4',
      'minimist@0.0.8',
      'mkdirp@0.5.1',
      'mocha@5.2.0',
      'ms@2.0.0',
      'qs@6.5.1',
    ]);
  });

  it('derives paths from `requires`, resolving up the nesting like Node does', () => {
    const packages = installed(lock, rootNames);
    expect(packages['qs@6.5.1']?.paths).toEqual(['express > qs', 'express > body-parser > qs']);
    expect(packages['debug@3.1.0']?.paths).toEqual(['mocha > debug']);
    expect(packages['ms@2.0.0']?.paths).toEqual(['express > debug > ms', 'mocha > debug > ms', 'express > body-parser > debug > ms']);
    expect(packages['lodash@3.10.1']?.paths).toEqual(['lodash3']);
  });

  it('marks the dev tree', () => {
    const packages = installed(lock, rootNames);
    expect(packages['minimist@0.0.8']).toEqual({ dev: true, paths: ['mocha > mkdirp > minimist'] });
    expect(packages['ms@2.0.0']?.dev).toBe(false);
  });

  it('without package.json, starts paths at the top-level packages nothing requires', () => {
    const packages = installed(lock);
    expect(packages['qs@6.5.1']?.paths).toEqual(['express > qs', 'express > body-parser > qs']);
    expect(packages['lodash@3.10.1']?.paths).toEqual(['lodash3']);
  });
});

describe('lockfile v2 (npm 7 and 8)', () => {
  const lock = fixture('lockfile-v2');

  it('reads `packages`, with hoisted and nested copies of one package apart', () => {
    const packages = installed(lock);
    expect(packages['qs@6.11.0']?.paths).toEqual(['express > qs', 'express > body-parser > qs']);
    expect(packages['qs@6.5.2']?.paths).toEqual(['request > qs']);
    expect(packages['minimist@1.2.5']?.paths).toEqual(['mkdirp > minimist']);
    expect(packages['ip@2.0.1']).toEqual({ dev: true, paths: ['socks > ip'] });
    expect(Object.keys(packages)).toHaveLength(9);
  });

  it('trusts `packages` over the legacy `dependencies` section', () => {
    const withStaleLegacy = { ...(lock as object), dependencies: { qs: { version: '0.0.1' } } };
    expect(installed(withStaleLegacy)['qs@0.0.1']).toBeUndefined();
  });

  it('falls back to `dependencies` when `packages` is missing', () => {
    const legacyOnly = { lockfileVersion: 2, dependencies: { qs: { version: '6.5.2' } } };
    expect(installed(legacyOnly)).toEqual({ 'qs@6.5.2': { dev: false, paths: ['qs'] } });
  });
});

describe('lockfile v3 (npm 9 and later)', () => {
  const lock = fixture('lockfile-v3');

  it('follows workspace links and shows aliases as package.json names them', () => {
    const packages = installed(lock);
    expect(packages['ip@1.1.8']?.paths).toEqual(['billing-core > ip']);
    expect(packages['lodash@4.17.20']?.paths).toEqual(['old-lodash']);
    expect(packages['flatmap-stream@0.1.1']?.paths).toEqual(['event-stream > flatmap-stream']);
  });

  it('does not check the service or its workspaces as dependencies', () => {
    expect(Object.keys(installed(lock)).some((key) => key.startsWith('billing-'))).toBe(false);
  });

  it('resolves a hoisted chain to the path that required it', () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { express: '^4' } },
        'node_modules/express': { version: '4.18.2', dependencies: { 'body-parser': '1.20.1' } },
        'node_modules/body-parser': { version: '1.20.1', dependencies: { qs: '6.11.0' } },
        'node_modules/qs': { version: '6.11.0' },
      },
    };
    expect(installed(lock)['qs@6.11.0']?.paths).toEqual(['express > body-parser > qs']);
  });

  it('prefers a nested copy over the hoisted one, as Node does', () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { a: '1', qs: '6' } },
        'node_modules/a': { version: '1.0.0', dependencies: { qs: '^5' } },
        'node_modules/a/node_modules/qs': { version: '5.2.1' },
        'node_modules/qs': { version: '6.11.0' },
      },
    };
    const packages = installed(lock);
    expect(packages['qs@5.2.1']?.paths).toEqual(['a > qs']);
    expect(packages['qs@6.11.0']?.paths).toEqual(['qs']);
  });

  it('survives dependency cycles', () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { a: '1' } },
        'node_modules/a': { version: '1.0.0', dependencies: { b: '1' } },
        'node_modules/b': { version: '1.0.0', dependencies: { a: '1' } },
      },
    };
    expect(installed(lock)['b@1.0.0']?.paths).toEqual(['a > b']);
  });

  it(`keeps the ${MAX_PATHS} shortest paths of a package many others need`, () => {
    const parents = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];
    const packages: Record<string, object> = { '': { dependencies: Object.fromEntries([...parents, 'deep'].map((name) => [name, '1'])) } };
    for (const name of parents) packages[`node_modules/${name}`] = { version: '1.0.0', dependencies: { shared: '1' } };
    packages['node_modules/deep'] = { version: '1.0.0', dependencies: { p1: '1' } };
    packages['node_modules/shared'] = { version: '1.0.0' };
    const paths = installed({ lockfileVersion: 3, packages })['shared@1.0.0']?.paths ?? [];
    expect(paths).toEqual(['p1 > shared', 'p2 > shared', 'p3 > shared', 'p4 > shared', 'p5 > shared']);
  });

  it('shows where an unrequired (extraneous) package sits', () => {
    const lock = {
      lockfileVersion: 3,
      packages: { '': {}, 'node_modules/a': { version: '1.0.0' }, 'node_modules/a/node_modules/b': { version: '2.0.0' } },
    };
    expect(installed(lock)['b@2.0.0']?.paths).toEqual(['a > b']);
  });

  it('notes entries without a version instead of guessing one', () => {
    const { notes } = lockfileGraph({ lockfileVersion: 3, packages: { 'node_modules/odd': { resolved: 'file:../odd' } } }, 'package-lock.json');
    expect(notes).toEqual(['package-lock.json: not checked, as this entry has no version: node_modules/odd']);
  });
});

describe('a malformed lockfile', () => {
  it.each([
    ['not an object', [], 'it is not a JSON object'],
    ['no lockfileVersion', { dependencies: {} }, 'lockfileVersion is undefined; versions 1, 2 and 3 are supported'],
    ['an unknown lockfileVersion', { lockfileVersion: 4, packages: {} }, 'lockfileVersion is 4; versions 1, 2 and 3 are supported'],
    ['v3 without packages', { lockfileVersion: 3 }, 'lockfileVersion 3 needs a "packages" object'],
    ['a version that is not a string', { lockfileVersion: 3, packages: { 'node_modules/qs': { version: 6 } } }, 'packages["node_modules/qs"].version: '],
    ['a v1 entry without a version', { lockfileVersion: 1, dependencies: { express: { dependencies: {} } } }, 'dependencies.express.version: '],
    [
      'a bad nested v1 entry',
      { lockfileVersion: 1, dependencies: { mocha: { version: '5.2.0', dependencies: { debug: { version: '3.1.0', requires: [] } } } } },
      'dependencies.mocha.dependencies.debug.requires: ',
    ],
  ])('is an InvalidRequest naming the file and the problem: %s', (_why, lock, problem) => {
    const error = errorOf(lock);
    expect(error.code).toBe('InvalidRequest');
    expect(error.message).toContain(`app/package-lock.json is not a valid npm lockfile: ${problem}`);
    expect(error.message).toContain('npm install --package-lock-only');
    expect(error.context).toEqual({ file: 'app/package-lock.json' });
  });
});
