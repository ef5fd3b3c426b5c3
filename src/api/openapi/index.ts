/** The OpenAPI 3.1 description of the HTTP API, served at /v1/openapi.json. */
export { openApiDocument, undocumentedRoutes } from './document.ts';
export { OPERATIONS, type Operation } from './operations.ts';
