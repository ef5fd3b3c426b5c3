import { describe, expect, it } from 'vitest';
import type { MetricSpec } from '../spec/types.ts';
import type { MetricProvider } from './providers/provider.ts';
import { runAnalysis } from './run.ts';

const metric: MetricSpec = {
  name: 'judge',
  provider: { type: 'command', command: ['true'], timeoutMs: 1000 },
  intervalMs: 10,
  count: 2,
  initialDelayMs: 300,
  failureLimit: 0,
  inconclusiveLimit: 0,
  consecutiveErrorLimit: 4,
  dryRun: false,
};
const recorder = { started: () => undefined, measured: () => undefined, finished: () => undefined };

describe('runAnalysis', () => {
  // A provider written for this test: it only records when the run loop calls
  // it, which is the contract under test (start, then measure, after the delay).
  it('takes nothing before initialDelay: the provider starts its baseline after the delay, so warm-up traffic is not measured', async () => {
    const began = Date.now();
    const calls: { call: string; after: number }[] = [];
    const provider: MetricProvider = {
      type: 'recording',
      start: async () => void calls.push({ call: 'start', after: Date.now() - began }),
      measure: async () => (calls.push({ call: 'measure', after: Date.now() - began }), { value: 1 }),
    };
    const outcome = await runAnalysis({
      id: 'a',
      kind: 'step',
      stepIndex: 0,
      spec: { metrics: [metric] },
      context: { service: 'hello', environment: 'staging', canaryRevision: 2, stableRevision: 1 },
      providerFor: () => provider,
      recorder,
      signal: new AbortController().signal,
    });
    expect(outcome.phase).toBe('Successful');
    expect(calls.map((c) => c.call)).toEqual(['start', 'measure', 'measure']);
    expect(calls[0]!.after).toBeGreaterThanOrEqual(metric.initialDelayMs - 5);
  });

  it('stops during initialDelay without starting or measuring when it is aborted', async () => {
    const calls: string[] = [];
    const provider: MetricProvider = { type: 'recording', start: async () => void calls.push('start'), measure: async () => (calls.push('measure'), { value: 1 }) };
    const stop = new AbortController();
    const running = runAnalysis({
      id: 'b',
      kind: 'background',
      stepIndex: 0,
      spec: { metrics: [{ ...metric, initialDelayMs: 60_000 }] },
      context: { service: 'hello', environment: 'staging', canaryRevision: 2, stableRevision: 1 },
      providerFor: () => provider,
      recorder,
      signal: stop.signal,
    });
    stop.abort();
    expect((await running).phase).toBe('Successful');
    expect(calls).toEqual([]);
  });
});
