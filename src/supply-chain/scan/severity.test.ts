import { describe, expect, it } from 'vitest';
import { compareSeverity, rateAdvisory, severityOfScore } from './severity.ts';
import type { Severity } from './types.ts';

const CRITICAL_VECTOR = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const MEDIUM_VECTOR = 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L';

describe('severityOfScore', () => {
  it.each([
    [0, 'none'],
    [0.1, 'low'],
    [3.9, 'low'],
    [4.0, 'medium'],
    [6.9, 'medium'],
    [7.0, 'high'],
    [8.9, 'high'],
    [9.0, 'critical'],
    [10.0, 'critical'],
  ])('rates %s as %s (the CVSS qualitative bands)', (score, severity) => {
    expect(severityOfScore(score)).toBe(severity);
  });
});

describe('rateAdvisory', () => {
  it('prefers the database severity, mapping MODERATE to medium, and keeps the CVSS score', () => {
    expect(rateAdvisory('MODERATE', [{ type: 'CVSS_V3', score: CRITICAL_VECTOR }])).toEqual({
      severity: 'medium',
      cvssScore: 9.8,
      cvssVector: CRITICAL_VECTOR,
    });
    expect(rateAdvisory('LOW', [{ type: 'CVSS_V3', score: MEDIUM_VECTOR }]).severity).toBe('low');
    expect(rateAdvisory('critical', []).severity).toBe('critical');
  });

  it('falls back to the CVSS v3 base score', () => {
    expect(rateAdvisory(undefined, [{ type: 'CVSS_V3', score: MEDIUM_VECTOR }])).toEqual({ severity: 'medium', cvssScore: 5, cvssVector: MEDIUM_VECTOR });
  });

  it('falls back to the score when the database word is not one it knows', () => {
    expect(rateAdvisory('IMPORTANT', [{ type: 'CVSS_V3', score: CRITICAL_VECTOR }]).severity).toBe('critical');
  });

  it('skips an invalid v3 vector for a valid one', () => {
    const rating = rateAdvisory(undefined, [
      { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N' },
      { type: 'CVSS_V3', score: CRITICAL_VECTOR },
    ]);
    expect(rating.cvssScore).toBe(9.8);
  });

  it('falls back to the CVSS v4 base score when there is no v3 vector', () => {
    const vector = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N';
    expect(rateAdvisory(undefined, [{ type: 'CVSS_V4', score: vector }])).toEqual({ severity: 'high', cvssScore: 8.7, cvssVector: vector });
  });

  it('scores the v3 vector when an advisory has both, and the v4 one when the v3 one is invalid', () => {
    const v4 = { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' };
    expect(rateAdvisory(undefined, [v4, { type: 'CVSS_V3', score: MEDIUM_VECTOR }])).toMatchObject({ severity: 'medium', cvssScore: 5 });
    expect(rateAdvisory(undefined, [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N' }, v4])).toMatchObject({ severity: 'critical', cvssScore: 9.3 });
  });

  it('is unknown with only a vector it cannot score, which it keeps for people to read', () => {
    const vector = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H';
    expect(rateAdvisory(undefined, [{ type: 'CVSS_V4', score: vector }])).toEqual({ severity: 'unknown', cvssVector: vector });
  });

  it('is unknown with nothing to go by', () => {
    expect(rateAdvisory(undefined, [])).toEqual({ severity: 'unknown' });
  });
});

describe('compareSeverity', () => {
  it('orders worst first, with unknown above none', () => {
    const severities: Severity[] = ['none', 'low', 'unknown', 'critical', 'medium', 'high'];
    expect(severities.sort(compareSeverity)).toEqual(['critical', 'high', 'medium', 'low', 'unknown', 'none']);
  });
});
