import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CutoverError } from '../../core/errors.ts';
import { createAdvisoryDatabase, loadAdvisoryDatabase, scanArtifact } from './index.ts';
import type { AdvisoryDatabase, Finding, ScanReport } from './index.ts';

const FIXTURES = new URL('../../../test/fixtures/', import.meta.url).pathname;
const artifact = (name: string): string => join(FIXTURES, 'sboms', name);

let db: AdvisoryDatabase;
beforeAll(async () => {
  db = await loadAdvisoryDatabase(join(FIXTURES, 'advisories'));
});

const temporary: string[] = [];
afterEach(async () => {
  await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function folderWith(files: Record<string, string>, copyFrom?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-artifact-'));
  temporary.push(dir);
  if (copyFrom) await cp(copyFrom, dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** One line per finding, easy to read in a failing test. */
function brief(report: ScanReport): string[] {
  return report.findings.map((finding: Finding) =>
    [
      finding.severity,
      `${finding.package}@${finding.version}`,
      finding.advisoryId,
      `fixed:${finding.fixedVersion ?? '-'}`,
      finding.paths.join(' | '),
      finding.dev ? 'dev' : 'prod',
    ].join(' '),
  );
}

describe('scanArtifact', () => {
  it('scans a lockfile v1 service, worst first', async () => {
    const report = await scanArtifact(artifact('lockfile-v1'), db);
    expect(report.packages).toBe(11);
    expect(report.sources).toEqual([join(artifact('lockfile-v1'), 'package-lock.json')]);
    expect(brief(report)).toEqual([
      'critical lodash@3.10.1 GHSA-8fh4-q2mv-7c3w fixed:4.17.21 lodash3 prod',
      'critical lodash@4.17.4 GHSA-8fh4-q2mv-7c3w fixed:4.17.21 lodash prod',
      'high body-parser@1.18.2 GHSA-q4wr-mj2c-8xg5 fixed:1.20.3 express > body-parser prod',
      'high qs@6.5.1 GHSA-hx6j-r8gq-3w5c fixed:6.5.3 express > qs | express > body-parser > qs prod',
      'medium minimist@0.0.8 GHSA-r6vx-3c8g-jq5m fixed:0.2.4 mocha > mkdirp > minimist dev',
      'low express@4.16.0 GHSA-cm5g-3pgc-8rg4 fixed:4.20.0 express prod',
    ]);
    expect(report.summary).toEqual({ critical: 2, high: 2, medium: 1, low: 1, none: 0, unknown: 0 });
    expect(report.notes).toEqual([]);
  });

  it('scans a lockfile v2 service: last_affected has no fix, the second minimist pair matches', async () => {
    const report = await scanArtifact(artifact('lockfile-v2'), db);
    expect(report.packages).toBe(9);
    expect(brief(report)).toEqual([
      'high body-parser@1.20.2 GHSA-q4wr-mj2c-8xg5 fixed:1.20.3 express > body-parser prod',
      'high ip@2.0.1 GHSA-9q2w-hx5c-m4gv fixed:- socks > ip dev',
      'high qs@6.5.2 GHSA-hx6j-r8gq-3w5c fixed:6.5.3 request > qs prod',
      'medium minimist@1.2.5 GHSA-r6vx-3c8g-jq5m fixed:1.2.6 mkdirp > minimist prod',
      'low express@4.19.2 GHSA-cm5g-3pgc-8rg4 fixed:4.20.0 express prod',
    ]);
  });

  it('scans a lockfile v3 service: a versions list, an alias and a workspace dependency', async () => {
    const report = await scanArtifact(artifact('lockfile-v3'), db);
    expect(report.packages).toBe(7);
    expect(brief(report)).toEqual([
      'critical lodash@4.17.20 GHSA-8fh4-q2mv-7c3w fixed:4.17.21 old-lodash prod',
      'critical event-stream@3.3.6 GHSA-7c3p-vq6x-f2hr fixed:- event-stream prod',
      'high ip@1.1.8 GHSA-9q2w-hx5c-m4gv fixed:- billing-core > ip prod',
    ]);
  });

  it('scans a CycloneDX SBOM with a scoped package and a prerelease-aware range', async () => {
    const report = await scanArtifact(artifact('cyclonedx'), db);
    expect(report.packages).toBe(5);
    expect(report.sources).toEqual([join(artifact('cyclonedx'), 'bom.json')]);
    expect(brief(report)).toEqual([
      'critical @babel/traverse@7.22.5 GHSA-3j9m-x5qv-wp8c fixed:7.23.2 @babel/core > @babel/traverse dev',
      'high body-parser@1.20.1 GHSA-q4wr-mj2c-8xg5 fixed:1.20.3 body-parser prod',
      'high qs@6.10.1 GHSA-hx6j-r8gq-3w5c fixed:6.10.3 body-parser > qs prod',
    ]);
    expect(report.notes).toEqual([expect.stringContaining('openssl@3.0.2 is not an npm package')]);
  });

  it('names everything a finding needs', async () => {
    const report = await scanArtifact(artifact('lockfile-v2'), db);
    expect(report.findings.find((finding) => finding.package === 'qs')).toEqual({
      package: 'qs',
      version: '6.5.2',
      advisoryId: 'GHSA-hx6j-r8gq-3w5c',
      aliases: ['CVE-2022-24998'],
      severity: 'high',
      cvssScore: 7.5,
      cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
      summary: 'qs vulnerable to prototype pollution',
      fixedVersion: '6.5.3',
      paths: ['request > qs'],
      dev: false,
      url: 'https://github.com/advisories/GHSA-hx6j-r8gq-3w5c',
    });
  });

  it('never matches a withdrawn advisory or another ecosystem', async () => {
    const report = await scanArtifact(artifact('lockfile-v1'), db);
    const ids = report.findings.map((finding) => finding.advisoryId);
    expect(ids).not.toContain('GHSA-6w2f-j9m8-pq3r');
    expect(ids).not.toContain('PYSEC-2021-9931');
  });

  it('reports no packages and a note when there is no lockfile and no SBOM', async () => {
    const report = await scanArtifact(artifact('no-lockfile'), db);
    expect(report).toMatchObject({ packages: 0, sources: [], findings: [] });
    expect(report.notes).toEqual([expect.stringMatching(/^no package-lock\.json, npm-shrinkwrap\.json or CycloneDX SBOM in .*no-lockfile/)]);
  });

  it('fails with an InvalidRequest naming a lockfile that is not JSON', async () => {
    const dir = await folderWith({ 'package-lock.json': '{ "lockfileVersion": 3, "packages": {' });
    const error = await scanArtifact(dir, db).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CutoverError);
    expect((error as CutoverError).code).toBe('InvalidRequest');
    expect((error as CutoverError).message).toMatch(/package-lock\.json is not valid JSON \(.+\); regenerate it with "npm install --package-lock-only"$/);
    expect((error as CutoverError).context).toEqual({ file: join(dir, 'package-lock.json') });
  });

  it('fails with an InvalidRequest for a folder that does not exist', async () => {
    const error = await scanArtifact(join(tmpdir(), 'cutover-no-such-artifact'), db).catch((caught: unknown) => caught);
    expect((error as CutoverError).message).toContain('is not a folder');
  });

  it('reads npm-shrinkwrap.json over package-lock.json, as npm does', async () => {
    const shrinkwrap = JSON.stringify({ lockfileVersion: 3, packages: { '': { dependencies: { qs: '6' } }, 'node_modules/qs': { version: '6.5.2' } } });
    const dir = await folderWith({ 'npm-shrinkwrap.json': shrinkwrap }, artifact('lockfile-v3'));
    const report = await scanArtifact(dir, db);
    expect(report.sources).toEqual([join(dir, 'npm-shrinkwrap.json')]);
    expect(brief(report)).toEqual(['high qs@6.5.2 GHSA-hx6j-r8gq-3w5c fixed:6.5.3 qs prod']);
    expect(report.notes).toEqual([`${join(dir, 'npm-shrinkwrap.json')} is read; package-lock.json is not, as in npm`]);
  });

  it('merges a lockfile and an SBOM that describe the same packages', async () => {
    const bom = JSON.stringify({
      bomFormat: 'CycloneDX',
      components: [{ name: 'qs', 'bom-ref': 'qs', purl: 'pkg:npm/qs@6.5.2' }, { name: 'ua', 'bom-ref': 'ua', purl: 'pkg:npm/ua-parser-js@0.7.29' }],
    });
    const dir = await folderWith({ 'service.cdx.json': bom }, artifact('lockfile-v2'));
    const report = await scanArtifact(dir, db);
    expect(report.sources).toEqual([join(dir, 'package-lock.json'), join(dir, 'service.cdx.json')]);
    expect(report.packages).toBe(10);
    expect(report.findings.filter((finding) => finding.package === 'qs')).toHaveLength(1);
    expect(report.findings.find((finding) => finding.package === 'qs')?.paths).toEqual(['qs', 'request > qs']);
  });

  it('flags a package dev only when every source says so: one production copy ships it', async () => {
    const bom = (dev: boolean): string =>
      JSON.stringify({
        bomFormat: 'CycloneDX',
        components: [{ name: 'ip', purl: 'pkg:npm/ip@2.0.1', ...(dev ? { scope: 'excluded' } : {}) }],
      });
    const shipped = await scanArtifact(await folderWith({ 'bom.json': bom(false) }, artifact('lockfile-v2')), db);
    expect(shipped.findings.find((finding) => finding.package === 'ip')?.dev).toBe(false);
    const devOnly = await scanArtifact(await folderWith({ 'bom.json': bom(true) }, artifact('lockfile-v2')), db);
    expect(devOnly.findings.find((finding) => finding.package === 'ip')?.dev).toBe(true);
  });

  it('finds an SBOM by its bomFormat whatever the file is called, and ignores other JSON', async () => {
    const bom = JSON.stringify({ bomFormat: 'CycloneDX', components: [{ name: 'minimist', purl: 'pkg:npm/minimist@1.2.0' }] });
    const dir = await folderWith({ 'inventory.json': bom, 'tsconfig.json': '{ "compilerOptions": {} }', 'data.json': '{ not json' });
    const report = await scanArtifact(dir, db);
    expect(report.sources).toEqual([join(dir, 'inventory.json')]);
    expect(brief(report)).toEqual(['medium minimist@1.2.0 GHSA-r6vx-3c8g-jq5m fixed:1.2.6 minimist prod']);
  });

  it('fails on a bom.json that is not JSON, but only notes one that is not CycloneDX', async () => {
    const broken = await folderWith({ 'bom.json': '{' });
    await expect(scanArtifact(broken, db)).rejects.toThrow(/bom\.json is not valid JSON/);
    const spdx = await folderWith({ 'bom.json': JSON.stringify({ spdxVersion: 'SPDX-2.3' }) });
    const report = await scanArtifact(spdx, db);
    expect(report.notes[0]).toContain('bom.json is not a CycloneDX JSON SBOM');
  });

  it('checks a version that is not SemVer against exact versions only, and says so', async () => {
    const records = [
      { file: 'a.json', record: { id: 'GHSA-git1', affected: [{ package: { ecosystem: 'npm', name: 'left-pad' }, versions: ['github:stevemao/left-pad#abc123'] }] } },
      { file: 'b.json', record: { id: 'GHSA-git2', affected: [{ package: { ecosystem: 'npm', name: 'left-pad' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }] } },
    ];
    const lock = JSON.stringify({ lockfileVersion: 1, dependencies: { 'left-pad': { version: 'github:stevemao/left-pad#abc123' } } });
    const dir = await folderWith({ 'package-lock.json': lock });
    const report = await scanArtifact(dir, createAdvisoryDatabase(records));
    expect(report.findings.map((finding) => finding.advisoryId)).toEqual(['GHSA-git1']);
    expect(report.notes).toEqual([expect.stringMatching(/^1 package has a version that is not SemVer .*left-pad@github:stevemao\/left-pad#abc123/)]);
  });

  it('reports one vulnerability once when two records alias each other', async () => {
    const affected = [{ package: { ecosystem: 'npm', name: 'qs' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '6.5.3' }] }] }];
    const mirrored = createAdvisoryDatabase([
      { file: 'cve.json', record: { id: 'CVE-2022-24998', aliases: ['GHSA-hx6j-r8gq-3w5c'], affected } },
      { file: 'ghsa.json', record: { id: 'GHSA-hx6j-r8gq-3w5c', aliases: ['CVE-2022-24998'], affected, database_specific: { severity: 'HIGH' } } },
    ]);
    const report = await scanArtifact(artifact('lockfile-v2'), mirrored);
    expect(report.findings.map((finding) => `${finding.advisoryId} ${finding.severity}`)).toEqual(['GHSA-hx6j-r8gq-3w5c high']);
  });

  it('passes advisory database warnings on as notes', async () => {
    const warned = createAdvisoryDatabase([{ file: 'bad.json', record: { summary: 'no id' } }]);
    const report = await scanArtifact(artifact('lockfile-v3'), warned);
    expect(report.notes).toEqual([expect.stringMatching(/^advisory database: bad\.json: not an OSV record/)]);
  });
});
