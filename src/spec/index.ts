/** The spec: loading, validation at the boundary, normalization, JSON Schema export. */
export { loadSpecFile, parseSpecText, validateSpec } from './load.ts';
export type { LoadedSpec, ValidatedSpec } from './load.ts';
export { specDocumentSchema } from './schema.ts';
export type { SpecDocument, SpecDocumentInput } from './schema.ts';
export { SPEC_SCHEMA_ID, specJsonSchema } from './json-schema.ts';
export { DOCUMENT_PATH_LABEL, formatProblems } from './format.ts';
export { toServiceSpec } from './normalize.ts';
export type * from './types.ts';
export { diffSpecs, SECRET_VALUE, type SpecChange } from './diff.ts';
export { imageArtifactOf, signedImageText, type ImageArtifact } from './image-artifact.ts';
