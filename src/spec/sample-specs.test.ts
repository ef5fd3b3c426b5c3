import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { formatProblems } from './format.ts';
import { loadSpecFile, parseSpecText, validateSpec } from './load.ts';
import { invalidFixtures, validFixture } from '../../test/support/spec-fixtures.ts';

const fixtures = invalidFixtures();

function problemsOf(file: string): CutoverError {
  try {
    validateSpec(parseSpecText(readFileSync(file, 'utf8'), file), file);
  } catch (error) {
    if (error instanceof CutoverError) return error;
    throw error;
  }
  throw new Error(`${file} was accepted`);
}

describe('invalid spec fixtures', () => {
  it('are at least 24, each a different mistake', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(24);
    expect(new Set(fixtures.map((fixture) => fixture.name.slice(3))).size).toBe(fixtures.length);
  });

  it.each(fixtures.map((fixture) => [fixture.name, fixture] as const))('%s fails naming its field', (_, fixture) => {
    const error = problemsOf(fixture.file);
    expect(error.code).toBe(ErrorCode.InvalidSpec);
    // One mistake per fixture, so each one proves that its mistake alone is caught.
    expect(error.problems.map((problem) => problem.path)).toEqual([fixture.expectedPath]);
    // What a user sees: the label of the field leads a line of the formatted problems.
    const label = fixture.expectedPath || '(document)';
    expect(formatProblems(error.problems)).toContain(`  ${label}: `);
    for (const problem of error.problems) expect(problem.message).toMatch(/^(expected|is required|unknown field|the document|line \d+)/);
  });
});

describe('valid spec fixtures', () => {
  it.each(['hello-canary.yaml', 'hello-blue-green.yaml', 'hello-rolling.yaml', 'hello-minimal.json'])(
    '%s loads, and its artifact path leads to the sample service',
    async (name) => {
      const { spec, baseDir } = await loadSpecFile(validFixture(name));
      expect(spec.name).toBe('hello');
      expect('path' in spec.artifact && existsSync(path.join(baseDir, spec.artifact.path, 'server.js'))).toBe(true);
    },
  );
});
