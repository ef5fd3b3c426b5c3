import { describe, expect, it } from 'vitest';
import { cvss3BaseScore, roundUp } from './cvss.ts';

/** The worked examples of FIRST's "CVSS v3.1: Examples", with their published base scores. */
const FIRST_EXAMPLES: Array<[string, string, number]> = [
  ['CVE-2013-1937 phpMyAdmin reflected XSS', 'AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
  ['CVE-2013-0375 MySQL stored SQL injection', 'AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N', 6.4],
  ['CVE-2014-3566 SSLv3 POODLE', 'AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N', 3.1],
  ['CVE-2012-1516 VMware guest to host escape', 'AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H', 9.9],
  ['CVE-2009-0783 Apache Tomcat XML parser', 'AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L', 4.2],
  ['CVE-2012-0384 Cisco IOS command execution', 'AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 8.8],
  ['CVE-2015-1098 Apple iWork denial of service', 'AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 7.8],
  ['CVE-2014-0160 Heartbleed', 'AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5],
  ['CVE-2014-6271 Shellshock', 'AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
  ['CVE-2008-1447 DNS cache poisoning', 'AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N', 6.8],
  ['CVE-2014-2005 Sophos login screen bypass', 'AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 6.8],
  ['CVE-2010-0467 Joomla directory traversal', 'AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N', 5.8],
  ['CVE-2013-6014 Juniper proxy ARP denial of service', 'AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H', 9.3],
  ['CVE-2014-9253 DokuWiki reflected XSS', 'AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N', 5.4],
  ['CVE-2011-1265 Windows Bluetooth remote code execution', 'AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 8.8],
  ['CVE-2014-2019 Apple iOS security control bypass', 'AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N', 4.6],
  ['CVE-2015-0970 SearchBlox CSRF', 'AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 8.8],
  ['CVE-2014-0224 OpenSSL CCS injection', 'AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N', 7.4],
  ['CVE-2016-0128 Badlock', 'AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N', 6.8],
];

/** More published vectors, chosen for every attack vector, both scopes and the extremes. */
const MORE_VECTORS: Array<[string, number]> = [
  ['AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 7.8],
  ['AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10.0],
  ['AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H', 9.6],
  ['AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:H', 9.0],
  ['AV:N/AC:L/PR:H/UI:N/S:C/C:L/I:N/A:N', 4.1],
  ['AV:P/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 7.6],
  ['AV:P/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:N', 7.3],
  ['AV:P/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:N', 7.1],
  ['AV:P/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N', 1.9],
  ['AV:L/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N', 2.3],
  ['AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N', 1.8],
  ['AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N', 6.8],
  ['AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N', 0.0],
];

describe('cvss3BaseScore', () => {
  it.each(FIRST_EXAMPLES)('scores %s (%s) as %s', (_name, vector, score) => {
    expect(cvss3BaseScore(`CVSS:3.1/${vector}`)).toBe(score);
  });

  it.each(MORE_VECTORS)('scores CVSS:3.1/%s as %s', (vector, score) => {
    expect(cvss3BaseScore(`CVSS:3.1/${vector}`)).toBe(score);
  });

  it('scores a CVSS:3.0 vector with the same base formula', () => {
    expect(cvss3BaseScore('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toBe(9.8);
  });

  it('ignores temporal and environmental metrics after the base ones', () => {
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/MAV:L')).toBe(9.8);
  });

  it('accepts base metrics in any order', () => {
    expect(cvss3BaseScore('CVSS:3.1/S:U/C:H/I:H/A:H/AV:N/AC:L/PR:N/UI:N')).toBe(9.8);
  });

  it.each([
    ['no version prefix', 'AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
    ['a CVSS v2 vector', 'AV:N/AC:L/Au:N/C:P/I:P/A:P'],
    ['a CVSS v4 vector', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'],
    ['a missing base metric', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H'],
    ['a repeated metric', 'CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
    ['an unknown value', 'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
    ['an unknown scope', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:X/C:H/I:H/A:H'],
    ['an unknown metric', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1'],
    ['a malformed part', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/'],
  ])('rejects %s', (_why, vector) => {
    expect(cvss3BaseScore(vector)).toBeUndefined();
  });
});

describe('roundUp', () => {
  it('rounds up to one decimal, as CVSS v3.1 Appendix A defines', () => {
    expect(roundUp(4.02)).toBe(4.1);
    expect(roundUp(4.0)).toBe(4.0);
    expect(roundUp(9.71)).toBe(9.8);
  });

  it('does not round floating-point noise up a whole step', () => {
    expect(roundUp(4.000000000000001)).toBe(4.0);
    expect(roundUp(0.1 + 0.2)).toBe(0.3);
  });
});
