import { describe, expect, it } from 'vitest';
import type { OsvEvent } from './osv.ts';
import { compileRange, listedVersion, lowestFixedAbove, parseVersion, rangeIncludes } from './osv-range.ts';
import type { VersionRange } from './osv-range.ts';

function compiled(events: OsvEvent[], type = 'ECOSYSTEM'): VersionRange {
  const result = compileRange({ type, events });
  if (!('range' in result)) throw new Error(`range did not compile: ${JSON.stringify(result)}`);
  return result.range;
}

function includes(events: OsvEvent[], version: string, type = 'ECOSYSTEM'): boolean {
  const parsed = parseVersion(version);
  if (!parsed) throw new Error(`${version} is not a version`);
  return rangeIncludes(compiled(events, type), parsed);
}

const twoPairs: OsvEvent[] = [{ introduced: '1.0.0' }, { fixed: '1.0.2' }, { introduced: '3.0.0' }, { fixed: '3.2.5' }];

/** [what the case shows, events, version, affected?] */
const CASES: Array<[string, OsvEvent[], string, boolean]> = [
  ['introduced "0" alone affects everything', [{ introduced: '0' }], '0.0.0', true],
  ['introduced "0" alone affects everything', [{ introduced: '0' }], '99.1.0', true],
  ['introduced "0" affects prereleases too', [{ introduced: '0' }], '1.0.0-alpha.1', true],
  ['below the fix is affected', [{ introduced: '0' }, { fixed: '1.0.2' }], '1.0.1', true],
  ['the fixed version is not affected', [{ introduced: '0' }, { fixed: '1.0.2' }], '1.0.2', false],
  ['above the fix is not affected', [{ introduced: '0' }, { fixed: '1.0.2' }], '1.0.3', false],
  ['a prerelease of the fix sorts before it', [{ introduced: '0' }, { fixed: '1.0.2' }], '1.0.2-rc.1', true],
  ['build metadata does not change precedence', [{ introduced: '0' }, { fixed: '1.0.2' }], '1.0.2+build.5', false],
  ['below the first pair', twoPairs, '0.9.9', false],
  ['the introduced version is affected', twoPairs, '1.0.0', true],
  ['inside the first pair', twoPairs, '1.0.1', true],
  ['the first fix', twoPairs, '1.0.2', false],
  ['between the pairs', twoPairs, '2.9.9', false],
  ['a prerelease of the second introduced sorts before it', twoPairs, '3.0.0-beta.1', false],
  ['the second introduced', twoPairs, '3.0.0', true],
  ['inside the second pair', twoPairs, '3.2.4', true],
  ['the second fix', twoPairs, '3.2.5', false],
  ['above every pair', twoPairs, '4.0.0', false],
  ['events in any order are sorted first', [...twoPairs].reverse(), '3.1.0', true],
  ['events in any order are sorted first', [{ fixed: '1.0.2' }, { introduced: '3.0.0' }, { introduced: '1.0.0' }, { fixed: '3.2.5' }], '2.0.0', false],
  ['last_affected is inclusive', [{ introduced: '0' }, { last_affected: '2.1.214' }], '2.1.214', true],
  ['below last_affected', [{ introduced: '0' }, { last_affected: '2.1.214' }], '2.1.213', true],
  ['above last_affected', [{ introduced: '0' }, { last_affected: '2.1.214' }], '2.1.215', false],
  ['introduced and last_affected at one version', [{ introduced: '1.0.0' }, { last_affected: '1.0.0' }], '1.0.0', true],
  ['introduced and last_affected at one version', [{ introduced: '1.0.0' }, { last_affected: '1.0.0' }], '1.0.1', false],
  ['below introduced', [{ introduced: '1.0.0' }, { last_affected: '1.0.0' }], '0.9.0', false],
  ['an unfixed range after a fixed pair', [{ introduced: '0' }, { fixed: '1.0.0' }, { introduced: '2.0.0' }], '1.5.0', false],
  ['an unfixed range after a fixed pair', [{ introduced: '0' }, { fixed: '1.0.0' }, { introduced: '2.0.0' }], '9.0.0', true],
  ['below a limit', [{ introduced: '1.0.0' }, { limit: '2.0.0' }], '1.5.0', true],
  ['a limit is exclusive', [{ introduced: '1.0.0' }, { limit: '2.0.0' }], '2.0.0', false],
  ['a limit does not introduce', [{ introduced: '1.0.0' }, { limit: '2.0.0' }], '0.5.0', false],
  ['limit "*" is infinity', [{ introduced: '1.0.0' }, { limit: '*' }], '500.0.0', true],
  ['below any one of several limits is enough', [{ introduced: '0' }, { limit: '1.0.0' }, { limit: '3.0.0' }], '2.0.0', true],
  ['at or above every limit', [{ introduced: '0' }, { limit: '1.0.0' }, { limit: '3.0.0' }], '3.0.0', false],
  ['a fix below the limit still fixes', [{ introduced: '0' }, { fixed: '1.5.0' }, { limit: '2.0.0' }], '1.6.0', false],
  ['a fix below the limit still fixes', [{ introduced: '0' }, { fixed: '1.5.0' }, { limit: '2.0.0' }], '1.0.0', true],
  ['fixed with no introduced affects nothing', [{ fixed: '1.0.0' }], '0.5.0', false],
  ['introduced and fixed at one version: record order decides, so not affected', [{ introduced: '1.0.0' }, { fixed: '1.0.0' }], '1.0.0', false],
  ['reintroduced at the fixed version', [{ introduced: '0' }, { fixed: '2.0.0' }, { introduced: '2.0.0' }], '2.0.0', true],
  ['prerelease bounds', [{ introduced: '8.0.0-alpha.0' }, { fixed: '8.0.0-alpha.4' }], '8.0.0-alpha.3', true],
  ['prerelease bounds', [{ introduced: '8.0.0-alpha.0' }, { fixed: '8.0.0-alpha.4' }], '8.0.0-alpha.4', false],
  ['prerelease bounds', [{ introduced: '8.0.0-alpha.0' }, { fixed: '8.0.0-alpha.4' }], '8.0.0', false],
  ['prerelease bounds', [{ introduced: '8.0.0-alpha.0' }, { fixed: '8.0.0-alpha.4' }], '7.99.0', false],
  ['numeric, not text, order', [{ introduced: '0' }, { fixed: '1.10.0' }], '1.9.0', true],
  ['numeric, not text, order', [{ introduced: '0' }, { fixed: '1.10.0' }], '1.10.1', false],
];

describe('rangeIncludes follows the OSV evaluation algorithm', () => {
  it.each(CASES)('%s: %j at %s → %s', (_why, events, version, expected) => {
    expect(includes(events, version)).toBe(expected);
  });

  it('evaluates SEMVER ranges exactly like ECOSYSTEM ranges of npm packages', () => {
    for (const [, events, version, expected] of CASES) expect(includes(events, version, 'SEMVER')).toBe(expected);
  });
});

describe('compileRange', () => {
  it('skips GIT ranges, which need the repository to evaluate', () => {
    expect(compileRange({ type: 'GIT', repo: 'https://github.com/a/b', events: [{ introduced: 'abc123' }] })).toEqual({ skip: true });
  });

  it('names what it cannot evaluate', () => {
    expect(compileRange({ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: 'next' }] })).toEqual({
      problem: 'fixed "next" is not a semantic version',
    });
    expect(compileRange({ type: 'PYTHON', events: [{ introduced: '0' }] })).toEqual({ problem: 'range type "PYTHON" is not known' });
  });

  it('treats "*" as infinity only in a limit', () => {
    expect(compileRange({ type: 'ECOSYSTEM', events: [{ introduced: '*' }] })).toEqual({ problem: 'introduced "*" is not a semantic version' });
  });
});

describe('lowestFixedAbove', () => {
  const pairs = [compiled([{ introduced: '0' }, { fixed: '0.2.4' }, { introduced: '1.0.0' }, { fixed: '1.2.6' }])];
  const fixedFor = (ranges: VersionRange[], version: string): string | undefined => {
    const parsed = parseVersion(version);
    if (!parsed) throw new Error(`${version} is not a version`);
    return lowestFixedAbove(ranges, parsed)?.version;
  };

  it('is the fix of the pair the version is in', () => {
    expect(fixedFor(pairs, '0.0.8')).toBe('0.2.4');
    expect(fixedFor(pairs, '1.2.5')).toBe('1.2.6');
  });

  it('looks across ranges for the lowest fix above the version', () => {
    const ranges = [compiled([{ introduced: '2.0.0' }, { fixed: '2.3.0' }]), compiled([{ introduced: '0' }, { fixed: '2.1.0' }])];
    expect(fixedFor(ranges, '2.0.5')).toBe('2.1.0');
  });

  it('is undefined when no fix is above the version, or only last_affected is known', () => {
    expect(fixedFor(pairs, '1.2.6')).toBeUndefined();
    expect(fixedFor([compiled([{ introduced: '0' }, { last_affected: '2.0.1' }])], '2.0.0')).toBeUndefined();
  });
});

describe('listedVersion', () => {
  it('matches an explicit versions list exactly, or by version precedence', () => {
    expect(listedVersion(['3.3.6'], '3.3.6')).toBe(true);
    expect(listedVersion(['3.3.6'], '3.3.7')).toBe(false);
    expect(listedVersion(['v3.3.6'], '3.3.6')).toBe(true);
    expect(listedVersion(['3.3.6-beta'], '3.3.6')).toBe(false);
  });

  it('matches versions that are not SemVer as exact strings only', () => {
    expect(listedVersion(['github:dominictarr/event-stream#3.3.6'], 'github:dominictarr/event-stream#3.3.6')).toBe(true);
    expect(listedVersion(['3.3.6'], 'github:dominictarr/event-stream#3.3.6')).toBe(false);
  });
});
