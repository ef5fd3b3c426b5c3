import { describe, expect, it } from 'vitest';
import { CutoverError } from '../../core/errors.ts';
import { parseAlertsConfig } from './config.ts';

function problemsOf(input: unknown): { path: string; message: string }[] {
  try {
    parseAlertsConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(CutoverError);
    return (error as CutoverError).problems;
  }
  throw new Error('expected the config to be refused');
}

describe('parseAlertsConfig', () => {
  it('accepts sinks, rule thresholds and retry settings', () => {
    const config = {
      rules: { 'waiting-for-person': { afterMs: 300_000 }, 'deployment-rolled-back': { severity: 'critical' } },
      sinks: [{ type: 'webhook', url: 'https://hooks.example.com/cutover', secret: 'whsec_c2VjcmV0' }, { type: 'slack', url: 'https://hooks.slack.com/services/T/B/x' }, { type: 'log' }],
      retry: { attempts: 3 },
    };
    expect(parseAlertsConfig(config)).toEqual(config);
  });

  it('names the field of every problem', () => {
    const problems = problemsOf({
      rules: { 'progress-deadline-near': { fraction: 1.5 }, 'deploy-failed': {} },
      sinks: [{ type: 'webhook', url: 'ftp://x', secret: 'plain' }, { type: 'pager' }],
    });
    const paths = problems.map((problem) => problem.path);
    expect(paths).toEqual(expect.arrayContaining(['rules.progress-deadline-near.fraction', 'rules', 'sinks[0].url', 'sinks[0].secret', 'sinks[1].type']));
    expect(problems.find((problem) => problem.path === 'sinks[0].secret')?.message).toMatch(/starts with "whsec_"/);
  });
});
