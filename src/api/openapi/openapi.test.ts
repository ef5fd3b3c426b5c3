import { describe, expect, it } from 'vitest';
import { OPEN_ROUTES, ROUTES } from '../permissions.ts';
import { openApiDocument, undocumentedRoutes } from './index.ts';

type Doc = { openapi: string; paths: Record<string, Record<string, { operationId: string; security?: unknown[]; responses: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } };

describe('the OpenAPI document', () => {
  const doc = openApiDocument('9.9.9') as unknown as Doc;

  it('documents every route of the permission table and the open routes, and nothing else', () => {
    expect(undocumentedRoutes()).toEqual({ undocumented: [], unknown: [] });
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
    const table = [...OPEN_ROUTES, ...ROUTES].map((route) => `${route.method} ${route.path}`);
    expect(documented.sort()).toEqual(table.sort());
  });

  it('is OpenAPI 3.1 with unique operation ids and every $ref resolving to a component', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ids = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((operation) => operation.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map(([, ref]) => ref!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas, ref).toHaveProperty([ref.slice('#/components/schemas/'.length)]);
    }
  });

  it('describes the spec users apply, the status and the error body as shared schemas', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['ServiceSpec', 'Status', 'Error']));
    expect(JSON.stringify(doc.paths['/v1/apply']!.post)).toContain('#/components/schemas/ServiceSpec');
  });

  it('marks open routes as needing no credentials, and the others as answering 401 and 403', () => {
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
    expect(doc.paths['/v1/openapi.json']!.get!.security).toEqual([]);
    expect(Object.keys(doc.paths['/v1/environments/{env}/services/{name}']!.get!.responses)).toEqual(expect.arrayContaining(['200', '401', '403']));
  });
});
