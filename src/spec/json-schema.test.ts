import { describe, expect, it } from 'vitest';
import { parseDuration } from '../core/duration.ts';
import { specJsonSchema } from './json-schema.ts';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema> };

const schema = specJsonSchema() as Schema;
const spec = (name: string): Schema => schema.properties?.spec?.properties?.[name] ?? {};

describe('specJsonSchema', () => {
  it('is a draft 2020-12 schema with an id and a title', () => {
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: expect.stringMatching(/^https:\/\//),
      title: expect.any(String),
      type: 'object',
      required: ['apiVersion', 'kind', 'metadata', 'spec'],
      additionalProperties: false,
    });
  });

  it('describes the main fields and shows their defaults', () => {
    expect(spec('port')).toMatchObject({ type: 'integer', minimum: 1, maximum: 65535, description: expect.any(String) });
    expect(spec('instances')).toMatchObject({ default: 1, description: expect.any(String) });
    expect(spec('strategy')).toMatchObject({ minProperties: 1, maxProperties: 1, description: expect.any(String) });
  });

  it('writes durations as strings with a pattern that agrees with parseDuration', () => {
    const drainTimeout = spec('drainTimeout');
    expect(drainTimeout).toMatchObject({ type: 'string', default: '30s' });
    const pattern = new RegExp(String(drainTimeout.pattern));
    for (const text of ['500ms', '1s', '2m', '1h', '1m30s', '1.5s']) {
      expect(pattern.test(text)).toBe(true);
      expect(parseDuration(text)).toBeDefined();
    }
    for (const text of ['fast', '30', '1d', 's', '']) {
      expect(pattern.test(text)).toBe(false);
      expect(parseDuration(text)).toBeUndefined();
    }
  });

  it('leaves out the safe-integer bound zod puts on every integer', () => {
    expect(JSON.stringify(schema)).not.toContain(String(Number.MAX_SAFE_INTEGER));
  });
});
