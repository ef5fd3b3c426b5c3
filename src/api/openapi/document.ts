import { z } from 'zod';
import { OPEN_ROUTES, ROUTES, type RoutePermission } from '../permissions.ts';
import { errorBody, OPERATIONS, type Operation } from './operations.ts';

type Json = Record<string, unknown>;

/**
 * The OpenAPI 3.1 description of the API, generated from the zod schemas of
 * its bodies and answers (zod's JSON Schema is draft 2020-12, which OpenAPI
 * 3.1 uses as is) and from the permission table, which says who may call
 * each route. Schemas with an `id` become `components.schemas`.
 */
export function openApiDocument(version: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const routes = [...OPEN_ROUTES.map((route) => ({ ...route, open: true as const })), ...ROUTES.map((route) => ({ ...route, open: false as const }))];
  const bodies: { at: Json; schema: z.ZodType }[] = [];
  for (const route of routes) {
    const operation = OPERATIONS[`${route.method} ${route.path}`];
    if (!operation) continue; // the test names it; the document leaves it out rather than inventing one
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    (paths[path] ??= {})[route.method.toLowerCase()] = describe(route, operation, bodies);
  }
  const components: Json = {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'A user token (CUTOVER_TOKEN), or the metrics token where the operation says so.' },
      httpSignature: { type: 'apiKey', in: 'header', name: 'Signature', description: 'RFC 9421 HTTP Message Signature (with Signature-Input and, with a body, Content-Digest) by a registered key.' },
    },
  };
  // One JSON Schema conversion for every body and answer, so shared schemas are emitted once under components.
  const entries = Object.fromEntries(bodies.map((body, index) => [String(index), body.schema]));
  const converted = z.toJSONSchema(z.object(entries), {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    override: ({ jsonSchema }) => {
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    },
  }) as Json & { properties: Record<string, Json>; $defs?: Record<string, Json> };
  // zod refers to shared schemas as #/$defs/NAME; in OpenAPI they live under components.
  const relocated = JSON.parse(JSON.stringify(converted).replaceAll('"#/$defs/', '"#/components/schemas/')) as typeof converted;
  bodies.forEach((body, index) => Object.assign(body.at, { schema: relocated.properties[String(index)] }));
  components.schemas = relocated.$defs ?? {};
  return {
    openapi: '3.1.0',
    info: {
      title: 'cutover API',
      version,
      description: 'The control plane of cutover. Errors are `{"error": {code, message, context, problems?}}`; request bodies are JSON objects of at most 1 MiB (artifact uploads: 512 MiB).',
    },
    servers: [{ url: 'http://127.0.0.1:7400' }],
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearer: [] }, { httpSignature: [] }],
    paths,
    components,
  };
}

function describe(route: Pick<RoutePermission, 'method' | 'path'> & Partial<RoutePermission> & { open: boolean }, operation: Operation, bodies: { at: Json; schema: z.ZodType }[]): Json {
  const parameters: Json[] = [...route.path.matchAll(/:(\w+)/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: name === 'id' ? 'integer' : 'string' } }));
  for (const [name, query] of Object.entries(operation.query ?? {})) parameters.push({ name, in: 'query', required: false, description: query.description, schema: { type: query.type } });
  const json = (schema: z.ZodType): Json => {
    const at: Json = {};
    bodies.push({ at, schema });
    return { 'application/json': at };
  };
  const answer = operation.answer;
  const success: Json =
    'json' in answer
      ? { description: 'OK', content: json(answer.json) }
      : { description: answer.description, content: { [answer.text === 'prometheus' ? 'text/plain; version=0.0.4' : answer.text]: { schema: { type: 'string' } } } };
  const responses: Json = { [String('json' in answer ? (answer.status ?? 200) : 200)]: success };
  if (!route.open) {
    const error = (description: string): Json => ({ description, content: json(errorBody) });
    Object.assign(responses, { '400': error('Invalid request or spec (every problem listed)'), '401': error('No valid credentials'), '403': error('The caller lacks the role'), default: error('Any other error') });
  }
  const who = route.open ? 'Open to anyone.' : `Needs the \`${route.action}\` action ${scopeText(route.scope!)}${route.metricsToken ? ', or the metrics token' : ''}.`;
  return {
    operationId: operationId(route.method, route.path),
    summary: operation.summary,
    description: who,
    tags: [operation.tag],
    ...(parameters.length ? { parameters } : {}),
    ...(operation.body === undefined
      ? {}
      : { requestBody: { required: true, content: operation.body === 'tar.gz' ? { 'application/gzip': { schema: { type: 'string', contentMediaType: 'application/gzip' } } } : json(operation.body) } }),
    responses,
    ...(route.open ? { security: [] } : {}),
  };
}

function scopeText(scope: RoutePermission['scope']): string {
  switch (scope) {
    case 'service':
      return "on the service's environment";
    case 'deployment':
      return "on the deployment's environment";
    case 'spec':
      return "on the spec's environment";
    case 'any':
      return 'on at least one environment';
    case 'global':
      return 'on every environment (`*`)';
  }
}

/** `GET /v1/services/:name/history` -> `getServicesNameHistory`. */
function operationId(method: string, path: string): string {
  const words = path.split(/[/.\-:]+/).filter((word) => word && word !== 'v1');
  const index = path.length > 1 && path.endsWith('/') ? 'Index' : ''; // `/ui/` beside `/ui`
  return method.toLowerCase() + words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('') + index;
}

/** Routes of the table (and open routes) that OPERATIONS does not describe, and descriptions that name no route. */
export function undocumentedRoutes(): { undocumented: string[]; unknown: string[] } {
  const routes = new Set([...OPEN_ROUTES, ...ROUTES].map((route) => `${route.method} ${route.path}`));
  return {
    undocumented: [...routes].filter((route) => !Object.hasOwn(OPERATIONS, route)),
    unknown: Object.keys(OPERATIONS).filter((key) => !routes.has(key)),
  };
}
