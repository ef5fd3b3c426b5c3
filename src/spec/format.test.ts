import { describe, expect, it } from 'vitest';
import { formatProblems } from './format.ts';
import { formatPath } from './problems.ts';
import { closestName } from './suggest.ts';

describe('formatProblems', () => {
  it('writes one indented line per problem, the document itself as (document)', () => {
    const text = formatProblems([
      { path: 'spec.port', message: 'expected an integer from 1 to 65535, got "80a"' },
      { path: '', message: 'line 3, column 5: bad indentation' },
    ]);
    expect(text).toBe(
      '  spec.port: expected an integer from 1 to 65535, got "80a"\n  (document): line 3, column 5: bad indentation',
    );
  });
});

describe('formatPath', () => {
  it('dots field names and brackets list indexes', () => {
    expect(formatPath(['spec', 'strategy', 'canary', 'steps', 2, 'setWeight'])).toBe('spec.strategy.canary.steps[2].setWeight');
  });

  it('quotes names that would read as a path', () => {
    expect(formatPath(['spec', 'run', 'env', 'A.B'])).toBe('spec.run.env["A.B"]');
    expect(formatPath([])).toBe('');
  });
});

describe('closestName', () => {
  it('suggests a field one or two typos away', () => {
    expect(closestName('instance', ['port', 'instances'])).toBe('instances');
    expect(closestName('healthcheck', ['healthCheck', 'port'])).toBe('healthCheck');
  });

  it('suggests nothing for a different word', () => {
    expect(closestName('labels', ['version', 'artifact', 'port'])).toBeUndefined();
  });
});
