import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_ROUTES, ROUTES } from '../src/api/permissions.ts';
import { Cluster } from './support/cluster.ts';

/**
 * The server refuses to start when its routes and the permission table
 * disagree (src/api/app.ts), so the document matching the table means it
 * matches the routes the server serves.
 */
describe('GET /v1/openapi.json on a real server', () => {
  const cluster = new Cluster();
  beforeAll(() => cluster.start());
  afterAll(() => cluster.destroy());

  it('is served without credentials and documents exactly the routes the server serves', async () => {
    const response = await fetch(`${cluster.url}/v1/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { openapi: string; info: { version: string }; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
    expect(documented.sort()).toEqual([...OPEN_ROUTES, ...ROUTES].map((route) => `${route.method} ${route.path}`).sort());
  });
});
