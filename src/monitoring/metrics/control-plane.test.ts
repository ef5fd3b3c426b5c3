import { describe, expect, it } from 'vitest';
import type { DeploymentEvent } from '../../core/deployment.ts';
import { createControlPlaneMetrics } from './control-plane.ts';
import { inconclusiveAnalysis, replay, sampleDeployment } from '../../../test/support/metric-samples.ts';

type Timed = { event: DeploymentEvent; at: number };

function canaryThatRollsBack(): Timed[] {
  return [
    { event: { type: 'DeploymentCreated', deployment: sampleDeployment() }, at: 1000 },
    { event: { type: 'StepStarted', index: 0, message: 'scale' }, at: 2000 },
    { event: { type: 'StepCompleted', index: 0 }, at: 4500 },
    { event: { type: 'StepStarted', index: 1, message: 'weight' }, at: 5000 },
    { event: { type: 'EndRequested', phase: 'RolledBack', reason: 'instance exited', code: 'InstanceExited', instance: 'hello-2-a' }, at: 6000 },
    { event: { type: 'Finished', phase: 'RolledBack', message: 'rolled back' }, at: 31_000 },
  ];
}

function sampleValue(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('control-plane metrics', () => {
  it('renders what prom-client renders for the whole registry, one metric at a time', async () => {
    const metrics = createControlPlaneMetrics();
    replay(canaryThatRollsBack(), (stored, before) => metrics.observeEvent(stored, before));
    // The process's own figures (CPU, memory) move between two renders; every name, help, type and cutover series must not.
    const stable = (text: string) => text.split('\n').filter((line) => line.startsWith('#') || line.startsWith('cutover_') || line === '');
    const ours = await metrics.metricsText();
    expect(stable(ours)).toEqual(stable(await metrics.registry.metrics()));
    expect(ours.endsWith('\n') && !ours.endsWith('\n\n')).toBe(true);
  });

  it('counts a finished deployment by outcome and measures it from creation to finish', async () => {
    const metrics = createControlPlaneMetrics();
    replay(canaryThatRollsBack(), (stored, before) => metrics.observeEvent(stored, before));
    const text = await metrics.metricsText();
    const labels = 'service="hello",environment="production",strategy="canary",outcome="RolledBack"';
    expect(sampleValue(text, `cutover_deployments_total{${labels}}`)).toBe(1);
    expect(sampleValue(text, `cutover_deployment_duration_seconds_sum{${labels}}`)).toBe(30);
    expect(sampleValue(text, `cutover_deployment_duration_seconds_bucket{le="30",${labels}}`)).toBe(1);
  });

  it('measures a completed step from stepStartedAt of the state before the event', async () => {
    const metrics = createControlPlaneMetrics();
    replay(canaryThatRollsBack(), (stored, before) => metrics.observeEvent(stored, before));
    const text = await metrics.metricsText();
    expect(sampleValue(text, 'cutover_step_duration_seconds_sum{service="hello",environment="production",step="scale"}')).toBe(2.5);
    expect(sampleValue(text, 'cutover_step_duration_seconds_count{service="hello",environment="production",step="scale"}')).toBe(1);
  });

  it('labels a rollback with the error code, an abort with Aborted and `cutover rollback` with Manual', async () => {
    const metrics = createControlPlaneMetrics();
    const observe = metrics.observeEvent.bind(metrics);
    replay(canaryThatRollsBack(), observe);
    replay(
      [
        { event: { type: 'DeploymentCreated', deployment: sampleDeployment({ id: 8 }) }, at: 1000 },
        { event: { type: 'EndRequested', phase: 'Aborted', reason: 'aborted by admin', by: 'admin' }, at: 2000 },
        // The engine may repeat the request after a restart; it is still one rollback.
        { event: { type: 'EndRequested', phase: 'Aborted', reason: 'aborted by admin', by: 'admin' }, at: 2500 },
      ],
      observe,
    );
    replay([{ event: { type: 'DeploymentCreated', deployment: sampleDeployment({ id: 9, kind: 'rollback' }) }, at: 1000 }], observe);
    const text = await metrics.metricsText();
    const line = (cause: string): string => `cutover_rollbacks_total{service="hello",environment="production",cause="${cause}"}`;
    expect(sampleValue(text, line('InstanceExited'))).toBe(1);
    expect(sampleValue(text, line('Aborted'))).toBe(1);
    expect(sampleValue(text, line('Manual'))).toBe(1);
  });

  it('counts the verdict of each metric when an analysis finishes', async () => {
    const metrics = createControlPlaneMetrics();
    const created: Timed = { event: { type: 'DeploymentCreated', deployment: sampleDeployment() }, at: 1000 };
    replay([created, ...inconclusiveAnalysis(2000)], (stored, before) => metrics.observeEvent(stored, before));
    const text = await metrics.metricsText();
    expect(sampleValue(text, 'cutover_analysis_verdicts_total{service="hello",environment="production",metric="error-rate",verdict="Successful"}')).toBe(1);
    expect(sampleValue(text, 'cutover_analysis_verdicts_total{service="hello",environment="production",metric="p99-latency",verdict="Inconclusive"}')).toBe(1);
    expect(text).not.toContain('verdict="Running"');
  });

  it('reports deployments in progress, dropping to 0 when they finish', async () => {
    const metrics = createControlPlaneMetrics();
    const events = canaryThatRollsBack();
    replay(events.slice(0, 3), (stored, before) => metrics.observeEvent(stored, before));
    expect(sampleValue(await metrics.metricsText(), 'cutover_deployments_in_progress{service="hello",environment="production"}')).toBe(1);
    replay(events, (stored, before) => (stored.type === 'Finished' ? metrics.observeEvent(stored, before) : undefined));
    expect(sampleValue(await metrics.metricsText(), 'cutover_deployments_in_progress{service="hello",environment="production"}')).toBe(0);
  });

  it('counts deployments already running at a restart once told about them', async () => {
    const metrics = createControlPlaneMetrics();
    metrics.trackInProgress([sampleDeployment({ id: 1 }), sampleDeployment({ id: 2, service: 'shop' }), sampleDeployment({ id: 3, finishedAt: 5 })]);
    const text = await metrics.metricsText();
    expect(sampleValue(text, 'cutover_deployments_in_progress{service="hello",environment="production"}')).toBe(1);
    expect(sampleValue(text, 'cutover_deployments_in_progress{service="shop",environment="production"}')).toBe(1);
  });

  it('reads instances from the source at each scrape, so stopped ones disappear', async () => {
    const metrics = createControlPlaneMetrics();
    let instances = [
      { service: 'hello', environment: 'production', revision: 1, state: 'ready' },
      { service: 'hello', environment: 'production', revision: 1, state: 'ready' },
      { service: 'hello', environment: 'production', revision: 2, state: 'starting' },
    ];
    metrics.setInstanceSource(() => instances);
    let text = await metrics.metricsText();
    expect(sampleValue(text, 'cutover_instances{service="hello",environment="production",revision="1",state="ready"}')).toBe(2);
    expect(sampleValue(text, 'cutover_instances{service="hello",environment="production",revision="2",state="starting"}')).toBe(1);
    instances = [{ service: 'hello', environment: 'production', revision: 2, state: 'ready' }];
    text = await metrics.metricsText();
    expect(text).not.toContain('revision="1"');
    expect(sampleValue(text, 'cutover_instances{service="hello",environment="production",revision="2",state="ready"}')).toBe(1);
  });

  it('still answers a scrape when the instance source fails', async () => {
    const metrics = createControlPlaneMetrics();
    metrics.setInstanceSource(() => {
      throw new Error('database is closed');
    });
    expect(await metrics.metricsText()).toContain('# TYPE cutover_instances gauge');
  });

  it('uses its own registry with the standard, unprefixed process metrics, so stock dashboards work and two never collide', async () => {
    const first = createControlPlaneMetrics();
    const second = createControlPlaneMetrics();
    expect(first.registry).not.toBe(second.registry);
    const text = await first.metricsText();
    expect(text).toContain('\nprocess_cpu_seconds_total ');
    expect(text).toContain('\nnodejs_heap_size_used_bytes ');
    expect(text).not.toContain('cutover_process_');
    expect(text).not.toContain('nodejs_active_handles_total');
    expect(first.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('reports its build: version and Node.js version', async () => {
    const text = await createControlPlaneMetrics({ version: '1.2.3' }).metricsText();
    expect(sampleValue(text, `cutover_build_info{version="1.2.3",node_version="${process.version}"}`)).toBe(1);
  });

  it('reports the phase of each service as 0 or 1 per phase, its weights with roles, and the step of a deployment in progress', async () => {
    const metrics = createControlPlaneMetrics();
    const paused = replay(
      [
        { event: { type: 'DeploymentCreated', deployment: sampleDeployment({ revision: 2, previousRevision: 1, stableRevision: 1 }) }, at: 1000 },
        { event: { type: 'StepStarted', index: 1, message: 'pause', paused: true }, at: 2000 },
      ],
      () => undefined,
    );
    metrics.setStateSource(() => [{ service: 'hello', environment: 'production', weights: { '1': 80, '2': 20 }, deployment: paused, progressDeadlineMs: 600_000 }]);
    const text = await metrics.metricsText();
    const labels = 'service="hello",environment="production"';
    expect(sampleValue(text, `cutover_service_phase{${labels},phase="Paused"}`)).toBe(1);
    expect(sampleValue(text, `cutover_service_phase{${labels},phase="Progressing"}`)).toBe(0);
    expect(sampleValue(text, `cutover_revision_weight{${labels},revision="1",role="stable"}`)).toBe(80);
    expect(sampleValue(text, `cutover_revision_weight{${labels},revision="2",role="canary"}`)).toBe(20);
    expect(sampleValue(text, `cutover_deployment_step{${labels}}`)).toBe(1);
    expect(sampleValue(text, `cutover_deployment_steps{${labels}}`)).toBe(paused!.plan.length);
  });

  it('reports each analysis metric phase, and the progress deadline only for a step it binds', async () => {
    const metrics = createControlPlaneMetrics();
    const events: Timed[] = [
      { event: { type: 'DeploymentCreated', deployment: sampleDeployment() }, at: 1000 },
      { event: { type: 'StepStarted', index: 0, message: 'scale' }, at: 2000 },
    ];
    const scaling = replay(events, () => undefined);
    metrics.setStateSource(() => [{ service: 'hello', environment: 'production', weights: {}, deployment: scaling, progressDeadlineMs: 600_000 }]);
    let text = await metrics.metricsText();
    expect(sampleValue(text, 'cutover_step_started_timestamp_seconds{service="hello",environment="production"}')).toBe(2);
    expect(sampleValue(text, 'cutover_progress_deadline_seconds{service="hello",environment="production"}')).toBe(600);
    const analysed = replay([...events, ...inconclusiveAnalysis(3000)], () => undefined);
    metrics.setStateSource(() => [{ service: 'hello', environment: 'production', weights: {}, deployment: analysed }]);
    text = await metrics.metricsText();
    expect(text).toMatch(/cutover_analysis_metric_phase\{service="hello",environment="production",analysis="[^"]+",metric="p99-latency",phase="Inconclusive"\} 1/);
    expect(text).toMatch(/cutover_analysis_metric_phase\{service="hello",environment="production",analysis="[^"]+",metric="error-rate",phase="Successful"\} 1/);
  });

  it('still answers a scrape when the state source fails', async () => {
    const metrics = createControlPlaneMetrics();
    metrics.setStateSource(() => {
      throw new Error('database is closed');
    });
    expect(await metrics.metricsText()).toContain('# TYPE cutover_service_phase gauge');
  });
});
