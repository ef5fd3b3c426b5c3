import { describe, expect, it } from 'vitest';
import { OPEN_ROUTES, ROUTES, permissionOf, routeTableProblems } from './permissions.ts';

describe('the permission table', () => {
  const served = ROUTES.map(({ method, path }) => ({ method, path }));

  it('matches routes that are exactly the table and the open routes', () => {
    expect(routeTableProblems([...served, ...OPEN_ROUTES])).toEqual([]);
  });

  it('names a route added without a rule', () => {
    expect(routeTableProblems([...served, { method: 'POST', path: '/v1/services/:name/restart' }])).toEqual(['POST /v1/services/:name/restart has no rule in ROUTES']);
  });

  it('names a rule whose route is gone', () => {
    expect(routeTableProblems(served.filter((route) => route.path !== '/v1/audit/verify'))).toEqual(['the rule for GET /v1/audit/verify names no route']);
  });

  it('tells a method apart: a rule for GET does not cover DELETE', () => {
    expect(routeTableProblems([...served, { method: 'DELETE', path: '/v1/environments/:name' }])).toEqual(['DELETE /v1/environments/:name has no rule in ROUTES']);
    expect(permissionOf('DELETE', '/v1/environments/:name')).toBeUndefined();
  });

  it('has one rule per route', () => {
    const keys = ROUTES.map((route) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
