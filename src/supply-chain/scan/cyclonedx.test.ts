import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CutoverError } from '../../core/errors.ts';
import { cycloneDxGraph } from './cyclonedx.ts';
import { installedPackages } from './dependency-graph.ts';
import { npmPackageOf, parsePurl } from './purl.ts';

const BOM = JSON.parse(readFileSync(new URL('../../../test/fixtures/sboms/cyclonedx/bom.json', import.meta.url), 'utf8')) as unknown;

function installed(bom: unknown): Record<string, { dev: boolean; paths: string[] }> {
  const { graph } = cycloneDxGraph(bom, 'bom.json');
  return Object.fromEntries(
    installedPackages(graph).map((item) => [`${item.name}@${item.version}`, { dev: item.dev, paths: item.paths.map((path) => path.join(' > ')) }]),
  );
}

describe('parsePurl', () => {
  it.each([
    ['pkg:npm/lodash@4.17.21', { type: 'npm', name: 'lodash', version: '4.17.21' }],
    ['pkg:npm/%40babel/traverse@7.22.5', { type: 'npm', namespace: '@babel', name: 'traverse', version: '7.22.5' }],
    ['pkg:npm/@babel/traverse@7.22.5', { type: 'npm', namespace: '@babel', name: 'traverse', version: '7.22.5' }],
    ['pkg:npm/@babel/traverse', { type: 'npm', namespace: '@babel', name: 'traverse' }],
    ['pkg:npm/lodash@4.17.21?vcs_url=git%2Bhttps%3A%2F%2Fgithub.com#lib', { type: 'npm', name: 'lodash', version: '4.17.21' }],
    ['pkg:NPM/left-pad@1.3.0', { type: 'npm', name: 'left-pad', version: '1.3.0' }],
    ['pkg:npm/tarball@1.0.0-beta%2B1', { type: 'npm', name: 'tarball', version: '1.0.0-beta+1' }],
    ['pkg:pypi/django@4.2', { type: 'pypi', name: 'django', version: '4.2' }],
  ])('parses %s', (purl, expected) => {
    expect(parsePurl(purl)).toEqual(expected);
  });

  it.each(['lodash@4.17.21', 'pkg:', 'pkg:npm', 'https://example.com/pkg'])('rejects %s', (purl) => {
    expect(parsePurl(purl)).toBeUndefined();
  });

  it('names npm packages the way npm does, and nothing else', () => {
    expect(npmPackageOf('pkg:npm/%40types/node@20.1.0')).toEqual({ name: '@types/node', version: '20.1.0' });
    expect(npmPackageOf('pkg:generic/openssl@3.0.2')).toBeUndefined();
  });
});

describe('cycloneDxGraph', () => {
  it('checks the npm components, with paths from the dependency graph and the development mark', () => {
    expect(installed(BOM)).toEqual({
      '@babel/traverse@7.22.5': { dev: true, paths: ['@babel/core > @babel/traverse'] },
      '@babel/core@7.22.5': { dev: true, paths: ['@babel/core'] },
      'body-parser@1.20.1': { dev: false, paths: ['body-parser'] },
      'qs@6.10.1': { dev: false, paths: ['body-parser > qs'] },
      'lodash@4.17.21': { dev: false, paths: ['lodash'] },
    });
  });

  it('notes components it cannot check', () => {
    expect(cycloneDxGraph(BOM, 'bom.json').notes).toEqual(['bom.json: not checked, as openssl@3.0.2 is not an npm package with a version']);
  });

  it('reads nested components, and without a dependency graph each component is its own path', () => {
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.4',
      components: [{ name: 'outer', version: '1.0.0', purl: 'pkg:npm/outer@1.0.0', components: [{ name: 'inner', purl: 'pkg:npm/inner@2.0.0', scope: 'excluded' }] }],
    };
    expect(installed(bom)).toEqual({
      'outer@1.0.0': { dev: false, paths: ['outer'] },
      'inner@2.0.0': { dev: true, paths: ['inner'] },
    });
  });

  it('does not check the service when it lists itself among its components', () => {
    const bom = {
      bomFormat: 'CycloneDX',
      metadata: { component: { name: 'app', 'bom-ref': 'app' } },
      components: [
        { name: 'app', 'bom-ref': 'app', purl: 'pkg:npm/app@1.0.0' },
        { name: 'qs', 'bom-ref': 'qs', purl: 'pkg:npm/qs@6.5.2' },
      ],
      dependencies: [{ ref: 'app', dependsOn: ['qs'] }],
    };
    expect(Object.keys(installed(bom))).toEqual(['qs@6.5.2']);
  });

  it('rejects a malformed SBOM, naming the file and the field', () => {
    const error = (() => {
      try {
        cycloneDxGraph({ bomFormat: 'CycloneDX', components: [{ version: '1.0.0' }] }, 'dist/bom.json');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CutoverError);
    expect((error as CutoverError).code).toBe('InvalidRequest');
    expect((error as CutoverError).message).toMatch(/^dist\/bom\.json is not a valid CycloneDX SBOM: components\[0\]\.name: /);
  });
});
