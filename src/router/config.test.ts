import { describe, expect, it } from 'vitest';
import { CutoverError } from '../core/errors.ts';
import { validateRouterConfig } from './config.ts';

const valid = {
  service: 'hello',
  port: 8080,
  weights: { '1': 90, '2': 10 },
  backends: [{ id: 'a', revision: 1, port: 9001, inRotation: true }],
  healthCheck: { path: '/healthz', intervalMs: 1000, timeoutMs: 500, unhealthyThreshold: 3 },
  generation: 1,
};

function problemsOf(input: unknown): string[] {
  try {
    validateRouterConfig(input);
  } catch (error) {
    if (error instanceof CutoverError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  return [];
}

describe('validateRouterConfig', () => {
  it('keeps a backend\'s node address and refuses a name or an IPv6 address', () => {
    const at = (host: unknown) => ({ ...valid, backends: [{ ...valid.backends[0], host }] });
    expect(validateRouterConfig(at('10.0.0.2')).backends[0]?.host).toBe('10.0.0.2');
    expect(validateRouterConfig(valid).backends[0]).not.toHaveProperty('host');
    expect(problemsOf(at('example.com'))).toEqual(['backends[0].host: must be an IPv4 address, not "example.com"']);
    expect(problemsOf(at('::1'))).toEqual(['backends[0].host: must be an IPv4 address, not "::1"']);
  });

  it('keeps a connection cap and names a bad one', () => {
    expect(validateRouterConfig({ ...valid, maxConnections: 2000 }).maxConnections).toBe(2000);
    expect(validateRouterConfig(valid)).not.toHaveProperty('maxConnections');
    expect(problemsOf({ ...valid, maxConnections: 0 })).toEqual([expect.stringMatching(/^maxConnections: /)]);
    expect(problemsOf({ ...valid, maxConnections: 1.5 })).toEqual(['maxConnections: must be a whole number, not 1.5']);
  });

  it('keeps a mirror and names a bad share', () => {
    expect(validateRouterConfig({ ...valid, mirror: { revision: 2, percentage: 25 } }).mirror).toEqual({ revision: 2, percentage: 25 });
    expect(problemsOf({ ...valid, mirror: { revision: 2, percentage: 101 } })).toEqual([expect.stringMatching(/^mirror.percentage: /)]);
  });

  it('keeps a header route and refuses one with an unbounded regex, both matches or a bad header', () => {
    expect(validateRouterConfig({ ...valid, headerRoute: { header: 'x-beta', exact: 'on', revision: 2 } }).headerRoute).toEqual({ header: 'x-beta', exact: 'on', revision: 2 });
    expect(problemsOf({ ...valid, headerRoute: { header: 'x-beta', regex: '(a+)+', revision: 2 } })).toEqual([expect.stringMatching(/^headerRoute.regex: must not repeat a group/)]);
    expect(problemsOf({ ...valid, headerRoute: { header: 'X-Beta', exact: 'on', regex: 'on', revision: 2 } })).toEqual([
      expect.stringMatching(/^headerRoute.header: must be a header name in lower case/),
      'headerRoute: must have exactly one of exact and regex',
    ]);
  });

  it('keeps the versions of the revisions (for revision_info) and names a bad one', () => {
    expect(validateRouterConfig({ ...valid, versions: { '1': '1.0.0', '2': '2.0.0' } }).versions).toEqual({ '1': '1.0.0', '2': '2.0.0' });
    expect(problemsOf({ ...valid, versions: { one: '1.0.0', '2': 2 } })).toEqual(['versions.2: must be a string, not number', 'versions.one: must be a revision number']);
  });

  it('accepts a complete config and empty weights (nothing to route yet)', () => {
    expect(validateRouterConfig(valid)).toEqual(valid);
    expect(problemsOf({ ...valid, weights: {} })).toEqual([]);
  });

  it('names each bad field', () => {
    expect(problemsOf({ ...valid, healthCheck: { ...valid.healthCheck, intervalMs: 0 } })).toEqual([
      expect.stringMatching(/^healthCheck\.intervalMs: /),
    ]);
    expect(problemsOf({ ...valid, weights: { latest: 100 } })).toEqual([expect.stringMatching(/^weights\.latest: /)]);
    expect(problemsOf({ ...valid, backends: [...valid.backends, { ...valid.backends[0] }] })).toEqual([
      'backends[1].id: duplicate backend id "a"',
    ]);
    expect(problemsOf({ ...valid, previewPort: 8080 })).toEqual(['previewPort: must differ from port']);
    expect(problemsOf({ ...valid, generation: undefined })).toEqual([expect.stringMatching(/^generation: /)]);
  });

  it('keeps only known fields and names every problem at once', () => {
    expect(validateRouterConfig({ ...valid, extra: 'x', backends: [{ ...valid.backends[0], shell: 'rm -rf /' }] })).toEqual(valid);
    expect(problemsOf(null)).toEqual([': must be an object, not null']);
    expect(problemsOf({ ...valid, port: 70000, service: '', backends: 'a' })).toEqual([
      'service: must not be empty',
      'port: must be between 0 and 65535, not 70000',
      'backends: must be an array',
    ]);
    expect(problemsOf({ ...valid, weights: { '1': 60, '2': 30 } })).toEqual(['weights: weights must add up to 100, not 90']);
    expect(problemsOf({ ...valid, healthCheck: { ...valid.healthCheck, path: 'healthz', timeoutMs: 1.5 } })).toEqual([
      'healthCheck.path: must start with "/"',
      'healthCheck.timeoutMs: must be a whole number, not 1.5',
    ]);
  });
});
