/** The spec's JSON Schema, for editors (e.g. the YAML language server's `# yaml-language-server: $schema=`). */
import { z } from 'zod';
import { specDocumentSchema } from './schema.ts';

export const SPEC_SCHEMA_ID = 'https://cutover.dev/schemas/service-v1.json';

/** JSON Schema (draft 2020-12) of the document users write; defaults shown, durations as patterned strings. */
export function specJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(specDocumentSchema, {
    target: 'draft-2020-12',
    io: 'input',
    // zod bounds every integer by the safe range; for editors that bound is noise.
    override: ({ jsonSchema }) => {
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
    },
  });
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: SPEC_SCHEMA_ID,
    title: 'cutover Service spec',
    description: 'A service deployed by cutover: what to run, how to check it, and how the new version replaces the old.',
    ...rest,
  };
}
