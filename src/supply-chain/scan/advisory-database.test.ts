import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CutoverError } from '../../core/errors.ts';
import { createAdvisoryDatabase, loadAdvisoryDatabase } from './advisory-database.ts';
import type { AdvisoryDatabase } from './advisory-database.ts';

const FIXTURES = new URL('../../../test/fixtures/advisories/', import.meta.url).pathname;

const temporary: string[] = [];
afterEach(async () => {
  await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function folderWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-advisories-'));
  temporary.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

function record(id: string, name: string, extra: Record<string, unknown> = {}, ecosystem = 'npm'): Record<string, unknown> {
  return {
    id,
    summary: `${id} summary`,
    affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] }],
    ...extra,
  };
}

function ids(db: AdvisoryDatabase, name: string): string[] {
  return (db.byPackage.get(name) ?? []).map((advisory) => advisory.id);
}

describe('loadAdvisoryDatabase', () => {
  it('reads the shipped fixtures recursively and indexes them by npm package', async () => {
    const db = await loadAdvisoryDatabase(FIXTURES);
    expect(db.warnings).toEqual([]);
    expect(db.advisories).toBe(8);
    expect(ids(db, 'lodash')).toEqual(['GHSA-8fh4-q2mv-7c3w']);
    expect(ids(db, '@babel/traverse')).toEqual(['GHSA-3j9m-x5qv-wp8c']);
  });

  it('leaves out withdrawn advisories and other ecosystems', async () => {
    const db = await loadAdvisoryDatabase(FIXTURES);
    expect(db.byPackage.has('debug')).toBe(false);
    expect(ids(db, 'lodash')).not.toContain('PYSEC-2021-9931');
  });

  it('reports a file that is not JSON as a warning and reads the rest', async () => {
    const dir = await folderWith({
      'good.json': JSON.stringify(record('GHSA-aaaa-bbbb-cccc', 'left-pad')),
      'nested/broken.json': '{ "id": "GHSA-',
      'notes.txt': 'not an advisory',
    });
    const db = await loadAdvisoryDatabase(dir);
    expect(ids(db, 'left-pad')).toEqual(['GHSA-aaaa-bbbb-cccc']);
    expect(db.warnings).toEqual([expect.stringMatching(/^nested\/broken\.json: not valid JSON \(.+\); skipped$/)]);
  });

  it('names the field of a record that is not OSV', async () => {
    const dir = await folderWith({
      'no-id.json': JSON.stringify({ summary: 'x', affected: [] }),
      'two-kinds.json': JSON.stringify(record('GHSA-1', 'a', { affected: [{ package: { ecosystem: 'npm', name: 'a' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0', fixed: '1.0.0' }] }] }] })),
    });
    const db = await loadAdvisoryDatabase(dir);
    expect(db.advisories).toBe(0);
    expect(db.warnings).toEqual([
      expect.stringMatching(/^no-id\.json: not an OSV record \(id: .+\); skipped$/),
      'two-kinds.json: not an OSV record (affected[0].ranges[0].events[0]: an event has exactly one of introduced, fixed, last_affected or limit); skipped',
    ]);
  });

  it('skips the .git folder of a cloned database', async () => {
    const dir = await folderWith({ '.git/objects/x.json': '{', 'a.json': JSON.stringify(record('GHSA-2', 'a')) });
    const db = await loadAdvisoryDatabase(dir);
    expect(db.warnings).toEqual([]);
    expect(db.advisories).toBe(1);
  });

  it('reads files that hold an array of records', async () => {
    const dir = await folderWith({ 'all.json': JSON.stringify([record('GHSA-3', 'a'), record('GHSA-4', 'b')]) });
    const db = await loadAdvisoryDatabase(dir);
    expect([ids(db, 'a'), ids(db, 'b')]).toEqual([['GHSA-3'], ['GHSA-4']]);
  });

  it('fails with an InvalidRequest naming a folder that does not exist', async () => {
    const missing = join(tmpdir(), 'cutover-no-such-advisories');
    const error = await loadAdvisoryDatabase(missing).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CutoverError);
    expect((error as CutoverError).code).toBe('InvalidRequest');
    expect((error as CutoverError).message).toContain(`advisory database "${missing}" is not a folder`);
  });

  it('warns about an empty folder, which would pass every scan', async () => {
    const db = await loadAdvisoryDatabase(await folderWith({}));
    expect(db.warnings).toEqual([expect.stringContaining('no .json files')]);
  });
});

describe('createAdvisoryDatabase', () => {
  it('matches the ecosystem case-sensitively: "NPM" is not npm', () => {
    const db = createAdvisoryDatabase([{ file: 'a.json', record: record('GHSA-5', 'lodash', {}, 'NPM') }]);
    expect(db.byPackage.has('lodash')).toBe(false);
  });

  it('keeps the first copy of a duplicate id and says so', () => {
    const db = createAdvisoryDatabase([
      { file: 'a.json', record: record('GHSA-6', 'x') },
      { file: 'b.json', record: record('GHSA-6', 'x') },
    ]);
    expect(ids(db, 'x')).toEqual(['GHSA-6']);
    expect(db.warnings).toEqual(['b.json: GHSA-6 is also in a.json; the copy in a.json is used']);
  });

  it('drops a range it cannot evaluate with a warning and keeps the rest of the record', () => {
    const db = createAdvisoryDatabase([
      {
        file: 'c.json',
        record: record('GHSA-7', 'y', {
          affected: [
            {
              package: { ecosystem: 'npm', name: 'y' },
              ranges: [
                { type: 'ECOSYSTEM', events: [{ introduced: 'latest' }] },
                { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0.0' }] },
              ],
            },
          ],
        }),
      },
    ]);
    expect(db.byPackage.get('y')?.[0]?.affected[0]?.ranges).toHaveLength(1);
    expect(db.warnings).toEqual(['c.json: GHSA-7: affected[0].ranges[0] is ignored: introduced "latest" is not a semantic version']);
  });

  it('indexes a record once per npm package it names', () => {
    const db = createAdvisoryDatabase([
      {
        file: 'd.json',
        record: record('GHSA-8', 'p', {
          affected: [
            { package: { ecosystem: 'npm', name: 'p' }, versions: ['1.0.0'] },
            { package: { ecosystem: 'npm', name: 'q' }, versions: ['1.0.0'] },
            { package: { ecosystem: 'PyPI', name: 'r' }, versions: ['1.0.0'] },
          ],
        }),
      },
    ]);
    expect([...db.byPackage.keys()].sort()).toEqual(['p', 'q']);
    expect(db.advisories).toBe(1);
  });

  it('accepts null where exporters write null for absent', () => {
    const db = createAdvisoryDatabase([{ file: 'e.json', record: record('GHSA-9', 'z', { aliases: null, withdrawn: null, severity: null }) }]);
    expect(db.warnings).toEqual([]);
    expect(ids(db, 'z')).toEqual(['GHSA-9']);
  });
});
