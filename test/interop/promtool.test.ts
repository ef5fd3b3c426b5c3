import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { createControlPlaneMetrics } from '../../src/monitoring/metrics/index.ts';
import { inconclusiveAnalysis, replay, sampleDeployment, sampleRouterStats } from '../support/metric-samples.ts';
import { requireTool } from '../support/tools.ts';

const withPromtool = requireTool('promtool');

/** Pipes exposition text into `promtool check metrics`, which lints names, types, HELP and histograms. */
function checkMetrics(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

withPromtool.describe('metrics pass `promtool check metrics`', () => {
  it('accepts the control plane registry after an analysis and a rollback', async () => {
    const metrics = createControlPlaneMetrics();
    metrics.setInstanceSource(() => [
      { service: 'hello', environment: 'production', revision: 1, state: 'ready' },
      { service: 'hello', environment: 'production', revision: 2, state: 'draining' },
    ]);
    replay(
      [
        { event: { type: 'DeploymentCreated', deployment: sampleDeployment() }, at: 1000 },
        { event: { type: 'StepStarted', index: 0, message: 'scale' }, at: 2000 },
        { event: { type: 'StepCompleted', index: 0 }, at: 9000 },
        ...inconclusiveAnalysis(9000),
        { event: { type: 'EndRequested', phase: 'RolledBack', reason: 'error rate above 5%', code: 'AnalysisFailed' }, at: 11_000 },
        { event: { type: 'Finished', phase: 'RolledBack', message: 'rolled back' }, at: 20_000 },
      ],
      (stored, before) => metrics.observeEvent(stored, before),
    );
    const text = await metrics.metricsText();
    for (const family of ['deployments_total', 'deployment_duration_seconds', 'step_duration_seconds', 'rollbacks_total', 'analysis_verdicts_total', 'instances', 'deployments_in_progress']) {
      expect(text).toContain(`\ncutover_${family}`);
    }
    const { code, output } = await checkMetrics(text);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it("accepts a router's text", async () => {
    const { routerMetricsText } = await import('../../src/monitoring/metrics/data-plane.ts');
    const { code, output } = await checkMetrics(routerMetricsText(sampleRouterStats(), { service: 'hello "quoted"\nservice' }));
    expect(output).toBe('');
    expect(code).toBe(0);
  });
});
