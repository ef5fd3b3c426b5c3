import { describe, expect, it } from 'vitest';
import { applyEvent, foldEvents, type Deployment, type DeploymentEvent } from './deployment.ts';
import { sampleDeployment } from '../../test/support/sample-deployment.ts';

const base: Deployment = sampleDeployment({ id: 1, environment: 'development' });

const created: DeploymentEvent = { type: 'DeploymentCreated', deployment: base };

describe('the deployment state machine', () => {
  it('starts Progressing at step 0 when created', () => {
    const state = applyEvent(null, created, 1000);
    expect(state.phase).toBe('Progressing');
    expect(state.stepIndex).toBe(0);
  });

  it('refuses an event before the deployment was created', () => {
    expect(() => applyEvent(null, { type: 'StepCompleted', index: 0 }, 1)).toThrow(/before DeploymentCreated/);
  });

  it('advances the step index when a step completes and records when a step started', () => {
    let state = applyEvent(null, created, 1000);
    state = applyEvent(state, { type: 'StepStarted', index: 0, message: 'scale' }, 1100);
    expect(state.stepStartedAt).toBe(1100);
    state = applyEvent(state, { type: 'StepCompleted', index: 0 }, 1200);
    expect(state.stepIndex).toBe(1);
    expect(state.stepStartedAt).toBeNull();
  });

  it('is Paused during a pause step and Progressing again once promoted', () => {
    let state = applyEvent(null, created, 1000);
    state = applyEvent(state, { type: 'StepStarted', index: 2, paused: true, message: 'paused' }, 1100);
    expect(state.phase).toBe('Paused');
    state = applyEvent(state, { type: 'PromoteRequested', by: 'alice' }, 1200);
    expect(state.promoteRequested).toBe(true);
    state = applyEvent(state, { type: 'StepCompleted', index: 2 }, 1300);
    expect(state.phase).toBe('Progressing');
    expect(state.promoteRequested).toBe(false);
  });

  it('keeps a timed pause deadline so a restarted server waits only the rest of it', () => {
    let state = applyEvent(null, created, 1000);
    state = applyEvent(state, { type: 'StepStarted', index: 2, paused: true, pausedUntil: 11_000, message: 'pause 10s' }, 1000);
    expect(state.pausedUntil).toBe(11_000);
  });

  it('records the ending of a rollback and then its final phase', () => {
    let state = applyEvent(null, created, 1000);
    state = applyEvent(state, { type: 'EndRequested', phase: 'RolledBack', reason: 'instance x exited', code: 'InstanceExited', instance: 'x' }, 1100);
    expect(state.ending).toEqual({ phase: 'RolledBack', reason: 'instance x exited', code: 'InstanceExited', instance: 'x' });
    expect(state.message).toBe('rolling back: instance x exited');
    state = applyEvent(state, { type: 'Finished', phase: 'RolledBack', message: 'rolled back: instance x exited' }, 1200);
    expect(state.phase).toBe('RolledBack');
    expect(state.finishedAt).toBe(1200);
  });

  it('says aborting rather than rolling back for an abort', () => {
    const state = applyEvent(applyEvent(null, created, 1000), { type: 'EndRequested', phase: 'Aborted', reason: 'aborted by admin' }, 1100);
    expect(state.message).toBe('aborting: aborted by admin');
  });

  it('makes the new revision stable when promoted and tracks weights', () => {
    let state = applyEvent(null, created, 1000);
    state = applyEvent(state, { type: 'WeightsChanged', weights: { '1': 80, '2': 20 } }, 1100);
    expect(state.weights).toEqual({ '1': 80, '2': 20 });
    state = applyEvent(state, { type: 'Promoted', revision: 2 }, 1200);
    expect(state.stableRevision).toBe(2);
  });

  it('rebuilds the same state from its events as applying them one by one', () => {
    const events: { event: DeploymentEvent; at: number }[] = [
      { event: created, at: 1000 },
      { event: { type: 'StepStarted', index: 0, message: 's' }, at: 1001 },
      { event: { type: 'StepCompleted', index: 0 }, at: 1002 },
      { event: { type: 'WeightsChanged', weights: { '2': 100 } }, at: 1003 },
      { event: { type: 'Finished', phase: 'Succeeded', message: 'done' }, at: 1004 },
    ];
    let state: Deployment | null = null;
    for (const { event, at } of events) state = applyEvent(state, event, at);
    expect(foldEvents(events)).toEqual(state);
    expect(state?.phase).toBe('Succeeded');
  });

  it('does not change the state it was given', () => {
    const state = applyEvent(null, created, 1000);
    const copy = structuredClone(state);
    applyEvent(state, { type: 'StepCompleted', index: 0 }, 2000);
    expect(state).toEqual(copy);
  });
});
