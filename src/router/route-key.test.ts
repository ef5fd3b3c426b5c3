import { describe, expect, it } from 'vitest';
import { routeKey } from './route-key.ts';

describe('routeKey', () => {
  it('keeps the method and the path without its query', () => {
    expect(routeKey('GET', '/health?verbose=1')).toBe('GET /health');
    expect(routeKey('POST', '/')).toBe('POST /');
  });

  it('turns identifiers into :id, so /users/1 and /users/2 are one route', () => {
    expect(routeKey('GET', '/users/42/orders')).toBe('GET /users/:id/orders');
    expect(routeKey('GET', '/items/3f2b8c1e-0a4d-4c8e-9b1f-2d3e4f5a6b7c')).toBe('GET /items/:id');
    expect(routeKey('GET', '/blobs/deadbeefcafe01')).toBe('GET /blobs/:id');
    expect(routeKey('GET', '/t/aB3dEfGhIjKlMnOpQrStUv')).toBe('GET /t/:id');
    expect(routeKey('GET', '/docs/getting-started')).toBe('GET /docs/getting-started');
  });

  it('bounds what a client controls: unknown methods, odd characters, long and deep paths', () => {
    expect(routeKey('BREW', '/pot')).toBe('OTHER /pot');
    expect(routeKey('GET', '/a%20b/<script>')).toBe('GET /:id/:id');
    expect(routeKey('GET', `/${'x'.repeat(500)}`)).toBe('GET /:id');
    expect(routeKey('GET', '/a/b/c/d/e/f/g')).toBe('GET /a/b/c/d/…');
    expect(routeKey(undefined, undefined)).toBe('OTHER /');
  });
});
