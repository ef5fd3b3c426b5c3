import { describe, expect, it } from 'vitest';
import type { CutoverError } from '../core/errors.ts';
import { validateSpec } from './load.ts';

const base = (strategy: unknown, run: unknown = { command: ['node', 'server.js'] }) => ({
  apiVersion: 'cutover/v1',
  kind: 'Service',
  metadata: { name: 'hello' },
  spec: { version: '1.0.0', artifact: { path: '.' }, run, port: 8080, strategy },
});

function problems(doc: unknown): string[] {
  try {
    validateSpec(doc);
    return [];
  } catch (error) {
    return (error as CutoverError).problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('analysis in the spec', () => {
  it('fills in Argo-style defaults: background analysis runs until stopped, a step measures once, the judge 30 times a second apart', () => {
    const { spec } = validateSpec(
      base({
        canary: {
          analysis: { metrics: [{ name: 'judge', provider: { compare: {} } }] },
          steps: [{ setWeight: 20 }, { analysis: { metrics: [{ name: 'p99', provider: { router: { query: 'latencyP99' } }, successCondition: 'result < 250' }] } }],
        },
      }),
    );
    if (spec.strategy.type !== 'canary') throw new Error('expected a canary');
    const judge = spec.strategy.analysis!.metrics[0]!;
    expect(judge).toMatchObject({ intervalMs: 1000, failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4, dryRun: false });
    expect(judge.count).toBeUndefined();
    expect(judge.provider).toEqual({ type: 'compare', alpha: 0.01, errorRate: { ratio: 1.5, delta: 0.005 }, latency: { tolerance: 0.1, minDeltaMs: 10 }, minRequests: 50, warmUpMs: 3000 });
    const step = spec.strategy.steps[1] as { analysis: { metrics: { count?: number; intervalMs: number; provider: unknown }[] } };
    expect(step.analysis.metrics[0]).toMatchObject({ count: 1, intervalMs: 5000, provider: { type: 'router', query: 'latencyP99', revision: 'canary', windowMs: 30_000 } });
  });

  it('takes a warm-up for the judge, overridable per metric, and names a bad one', () => {
    const { spec } = validateSpec(base({ canary: { analysis: { metrics: [{ name: 'judge', provider: { compare: { warmUp: '10s', latency: { warmUp: '20s' } } } }] }, steps: [{ setWeight: 20 }] } }));
    if (spec.strategy.type !== 'canary') throw new Error('expected a canary');
    expect(spec.strategy.analysis!.metrics[0]!.provider).toMatchObject({ warmUpMs: 10_000, errorRate: { ratio: 1.5 }, latency: { warmUpMs: 20_000 } });
    const found = problems(base({ canary: { analysis: { metrics: [{ name: 'judge', provider: { compare: { warmUp: 5 } } }] }, steps: [] } }));
    expect(found).toEqual([expect.stringMatching(/compare\.warmUp: expected a duration .*add a unit, like "5s"/)]);
  });

  it('refuses a condition nested too deep to parse quickly, naming the field', () => {
    const condition = '('.repeat(300) + 'result' + ')'.repeat(300) + ' < 1';
    const found = problems(base({ canary: { steps: [{ analysis: { metrics: [{ name: 'x', provider: { router: { query: 'errorRate' } }, successCondition: condition }] } }] } }));
    expect(found).toEqual(['spec.strategy.canary.steps[0].analysis.metrics[0].successCondition: nests 300 brackets deep; the limit is 32: write it with fewer parentheses, lists or maps inside each other']);
  });

  it('names a condition that is not valid CEL, before anything is deployed', () => {
    const found = problems(base({ canary: { steps: [{ analysis: { metrics: [{ name: 'x', provider: { router: { query: 'errorRate' } }, successCondition: 'result <' }] } }] } }));
    expect(found).toEqual([expect.stringMatching(/^spec\.strategy\.canary\.steps\[0\]\.analysis\.metrics\[0\]\.successCondition: is not a valid CEL expression: at 1:8/)]);
  });

  it('needs exactly one provider per metric', () => {
    const found = problems(base({ canary: { analysis: { metrics: [{ name: 'x', provider: { router: { query: 'errorRate' }, compare: {} } }] }, steps: [] } }));
    expect(found).toEqual([expect.stringMatching(/^spec\.strategy\.canary\.analysis\.metrics\[0\]\.provider: /)]);
  });

  it('takes pre- and post-promotion analysis for blue-green', () => {
    const { spec } = validateSpec(base({ blueGreen: { postPromotionAnalysis: { metrics: [{ name: 'smoke', provider: { http: { url: 'http://127.0.0.1:9/health', jsonPath: '$.ok' } }, successCondition: 'result == true' }] } } }));
    expect(spec.strategy.type === 'blueGreen' && spec.strategy.postPromotionAnalysis?.metrics[0]?.provider).toMatchObject({ type: 'http', url: 'http://127.0.0.1:9/health' });
  });
});

describe('secret values and hooks in the spec', () => {
  it('keeps { secret } values apart from plain ones', () => {
    const { spec } = validateSpec(base({ rolling: {} }, { command: ['node', 'server.js'], env: { LOG: 'info', DB_PASSWORD: { secret: 'x' } } }));
    expect(spec.run).toEqual({ command: ['node', 'server.js'], env: { LOG: 'info' }, secretEnv: { DB_PASSWORD: 'x' } });
  });

  it('reads hooks with their timeouts and retries, and refuses a hook with both command and http', () => {
    const doc = base({ rolling: {} }) as { spec: Record<string, unknown> };
    doc.spec.hooks = { prepare: [{ command: ['./migrate.sh'], timeout: '2m' }], afterPromote: [{ http: { url: 'http://127.0.0.1:9/done' } }] };
    const { spec } = validateSpec(doc);
    expect(spec.hooks).toEqual({
      prepare: [{ command: ['./migrate.sh'], timeoutMs: 120_000, retries: 2 }],
      afterPromote: [{ http: { url: 'http://127.0.0.1:9/done', method: 'POST', headers: {} }, timeoutMs: 30_000, retries: 2 }],
    });
    doc.spec.hooks = { cleanup: [{ command: ['x'], http: { url: 'http://127.0.0.1:9' } }] };
    expect(problems(doc)).toEqual([expect.stringMatching(/^spec\.hooks\.cleanup\[0\]: /)]);
  });
});
