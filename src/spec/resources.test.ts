import { describe, expect, it } from 'vitest';
import { CutoverError } from '../core/errors.ts';
import { parseMemory } from './fields.ts';
import { validateSpec } from './load.ts';

const base = {
  apiVersion: 'cutover/v1',
  kind: 'Service',
  metadata: { name: 'hello' },
  spec: { version: '1.0.0', artifact: { path: '.' }, run: { command: ['node', 'server.js'] }, port: 8080 },
};

function problemsOf(spec: Record<string, unknown>): { path: string; message: string }[] {
  try {
    validateSpec({ ...base, spec: { ...base.spec, ...spec } });
  } catch (error) {
    if (error instanceof CutoverError) return error.problems;
    throw error;
  }
  return [];
}

describe('resources and run.image', () => {
  it('parseMemory reads decimal and binary units', () => {
    expect(parseMemory('256Mi')).toBe(256 * 1024 ** 2);
    expect(parseMemory('1G')).toBe(1e9);
    expect(parseMemory('1.5Gi')).toBe(1.5 * 1024 ** 3);
    expect(parseMemory('67108864')).toBe(67108864);
    expect(parseMemory('lots')).toBeNull();
  });

  it('a spec with resources and run.image normalizes to CPUs and bytes', () => {
    const { spec } = validateSpec({ ...base, spec: { ...base.spec, run: { command: ['node', 'server.js'], image: 'cutover/base-node:20' }, resources: { cpus: 0.5, memory: '256Mi' } } });
    expect(spec.resources).toEqual({ cpus: 0.5, memoryBytes: 256 * 1024 ** 2 });
    expect(spec.run.image).toBe('cutover/base-node:20');
  });

  it('a spec without resources has none', () => {
    expect(validateSpec(base).spec.resources).toBeUndefined();
  });

  it('names the field of a memory below 6Mi, zero CPUs and an unknown key', () => {
    const problems = problemsOf({ resources: { cpus: 0, memory: '1Mi', disk: '1G' } });
    const paths = problems.map((p) => p.path).join(' ');
    expect(paths).toContain('spec.resources.cpus');
    expect(paths).toContain('spec.resources.memory');
    expect(problems.find((p) => p.path === 'spec.resources.memory')?.message).toContain('at least 6Mi');
  });
});
