import { describe, expect, it } from 'vitest';
import { resolveRules } from './rules-config.ts';
import { deployment, inconclusiveAnalysis } from '../../../test/support/alert-samples.ts';
import { evaluateTimers } from './timer-rules.ts';

const MINUTE = 60_000;
const options = { rules: resolveRules(), progressDeadlineMs: () => 10 * MINUTE };
const paused = deployment({ phase: 'Paused', stepIndex: 2, stepStartedAt: 1000 });

describe('alerts raised by time passing', () => {
  it('raises waiting-for-person once an open-ended pause has lasted 10 minutes', () => {
    expect(evaluateTimers([paused], 1000 + 9 * MINUTE, options)).toEqual([]);
    const [alert] = evaluateTimers([paused], 1000 + 10 * MINUTE, options);
    expect(alert).toMatchObject({ id: 'waiting-for-person:7:2', rule: 'waiting-for-person', severity: 'warning', at: 1000 + 10 * MINUTE });
    expect(alert?.summary).toContain('has waited 10m');
    expect(alert?.summary).toContain('cutover promote hello');
  });

  it('does not call a timed pause or a requested promote waiting', () => {
    const later = 1000 + 60 * MINUTE;
    expect(evaluateTimers([{ ...paused, pausedUntil: later + MINUTE }], later, options)).toEqual([]);
    expect(evaluateTimers([{ ...paused, promoteRequested: true }], later, options)).toEqual([]);
  });

  it('measures a hold from when the inconclusive analysis finished, not from when its step started', () => {
    const held = deployment({ phase: 'Paused', stepIndex: 1, stepStartedAt: 1000, hold: 'p99-latency: too few requests', analyses: [inconclusiveAnalysis(5 * MINUTE)] });
    expect(evaluateTimers([held], 14 * MINUTE, options).filter((a) => a.rule === 'waiting-for-person')).toEqual([]);
    const [alert] = evaluateTimers([held], 15 * MINUTE, options).filter((a) => a.rule === 'waiting-for-person');
    expect(alert?.summary).toContain('held: p99-latency: too few requests');
  });

  it('warns when a step has used 80% of its progressDeadline', () => {
    const scaling = deployment({ stepIndex: 0, stepStartedAt: 1000 });
    expect(evaluateTimers([scaling], 1000 + 7 * MINUTE, options)).toEqual([]);
    const [alert] = evaluateTimers([scaling], 1000 + 8 * MINUTE, options);
    expect(alert).toMatchObject({ id: 'progress-deadline-near:7:0', rule: 'progress-deadline-near', details: { stepType: 'scale', progressDeadlineMs: 10 * MINUTE } });
  });

  it('gives pauses, finished or ending deployments and services without a deadline no deadline warning', () => {
    const now = 1000 + 9 * MINUTE;
    expect(evaluateTimers([deployment({ stepIndex: 2, phase: 'Progressing' })], now, options)).toEqual([]);
    expect(evaluateTimers([deployment({ finishedAt: 2000 })], now, options)).toEqual([]);
    expect(evaluateTimers([deployment({ ending: { phase: 'RolledBack', reason: 'x' } })], now, options)).toEqual([]);
    expect(evaluateTimers([deployment()], now, { ...options, progressDeadlineMs: () => undefined })).toEqual([]);
  });

  it('raises waiting-for-person for a deployment awaiting approval, saying how to approve it', () => {
    const awaiting = deployment({ phase: 'AwaitingApproval', stepIndex: 0, stepStartedAt: 1000, plan: [{ type: 'approval' }, { type: 'promote' }] });
    const [alert] = evaluateTimers([awaiting], 1000 + 10 * MINUTE, options);
    expect(alert).toMatchObject({ rule: 'waiting-for-person' });
    expect(alert?.summary).toContain('waiting for approval');
    expect(alert?.summary).toContain('cutover approve 7');
    expect(evaluateTimers([{ ...awaiting, approvedBy: 'bob' }], 1000 + 10 * MINUTE, options)).toEqual([]);
  });

  it('gives no deadline warning for steps the deadline does not apply to: analyses and approvals', () => {
    const analysis = deployment({ stepIndex: 0, stepStartedAt: 1000, plan: [{ type: 'analysis', kind: 'step', analysis: { metrics: [] } }] });
    const approval = deployment({ stepIndex: 0, stepStartedAt: 1000, plan: [{ type: 'approval' }] });
    expect(evaluateTimers([analysis, approval], 1000 + 9 * MINUTE, options).filter((a) => a.rule === 'progress-deadline-near')).toEqual([]);
  });

  it('follows configured thresholds', () => {
    const rules = resolveRules({ 'waiting-for-person': { afterMs: MINUTE }, 'progress-deadline-near': { fraction: 0.5, severity: 'critical' } });
    expect(evaluateTimers([paused], 1000 + MINUTE, { ...options, rules })).toHaveLength(1);
    expect(evaluateTimers([deployment()], 1000 + 5 * MINUTE, { ...options, rules })[0]?.severity).toBe('critical');
  });
});
