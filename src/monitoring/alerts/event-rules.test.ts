import { describe, expect, it } from 'vitest';
import { alertsForEvent } from './event-rules.ts';
import { resolveRules } from './rules-config.ts';
import { deployment, inconclusiveAnalysis, stored } from '../../../test/support/alert-samples.ts';

const rules = resolveRules();

describe('alerts raised by events', () => {
  it('raises a critical deployment-failed alert when a first deployment finishes Failed', () => {
    const before = deployment({ previousRevision: null, ending: { phase: 'Failed', reason: 'instance hello-2-a exited with code 1', code: 'InstanceExited', instance: 'hello-2-a' } });
    const [alert, ...rest] = alertsForEvent(stored({ type: 'Finished', phase: 'Failed', message: 'failed' }), before, rules);
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({ id: 'deployment-failed:7', rule: 'deployment-failed', severity: 'critical', service: 'hello', environment: 'production', deployment: 7, at: 50_000 });
    expect(alert?.summary).toContain('instance hello-2-a exited with code 1');
    expect(alert?.details).toMatchObject({ code: 'InstanceExited', instance: 'hello-2-a', version: '2.0.0' });
  });

  it('raises deployment-rolled-back with the reason the rollback began for', () => {
    const before = deployment({ ending: { phase: 'RolledBack', reason: 'step 2 made no progress within progressDeadline 10m', code: 'ProgressDeadlineExceeded' } });
    const [alert] = alertsForEvent(stored({ type: 'Finished', phase: 'RolledBack', message: 'rolled back' }), before, rules);
    expect(alert).toMatchObject({ id: 'deployment-rolled-back:7', severity: 'warning' });
    expect(alert?.summary).toBe('hello 2.0.0 (deployment 7, production) rolled back to revision 1: step 2 made no progress within progressDeadline 10m');
  });

  it('stays quiet for a success or an abort a person asked for', () => {
    expect(alertsForEvent(stored({ type: 'Finished', phase: 'Succeeded', message: 'done' }), deployment(), rules)).toEqual([]);
    const aborting = deployment({ ending: { phase: 'Aborted', reason: 'aborted by admin' } });
    expect(alertsForEvent(stored({ type: 'Finished', phase: 'Aborted', message: 'aborted' }), aborting, rules)).toEqual([]);
  });

  it('raises analysis-inconclusive naming the metrics that could not be judged, with an id that survives a rerun', () => {
    const before = deployment({ stepIndex: 1, analyses: [inconclusiveAnalysis(null)] });
    const event = { type: 'AnalysisFinished', id: '7.1.step.k1', phase: 'Inconclusive', message: 'p99-latency: too few requests' };
    const [alert] = alertsForEvent(stored(event), before, rules);
    expect(alert).toMatchObject({ id: 'analysis-inconclusive:7:1:step', rule: 'analysis-inconclusive', severity: 'warning' });
    expect(alert?.details).toMatchObject({ metrics: 'p99-latency', step: 1 });
    expect(alert?.summary).toContain('cutover promote hello');
    const rerun = deployment({ stepIndex: 1, analyses: [{ ...inconclusiveAnalysis(null), id: '7.1.step.k9' }] });
    expect(alertsForEvent(stored({ ...event, id: '7.1.step.k9' }), rerun, rules)[0]?.id).toBe(alert?.id);
  });

  it('ignores a successful analysis, a disabled rule and events that are not about a deployment', () => {
    const before = deployment({ analyses: [inconclusiveAnalysis(null)] });
    expect(alertsForEvent(stored({ type: 'AnalysisFinished', id: '7.1.step.k1', phase: 'Successful', message: 'ok' }), before, rules)).toEqual([]);
    const quiet = resolveRules({ 'deployment-failed': { enabled: false } });
    expect(alertsForEvent(stored({ type: 'Finished', phase: 'Failed', message: 'x' }), deployment(), quiet)).toEqual([]);
    const note = { ...stored({ type: 'RouterRestarted' }), deployment: null };
    expect(alertsForEvent(note, null, rules)).toEqual([]);
  });
});
