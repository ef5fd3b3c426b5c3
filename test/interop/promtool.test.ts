import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createControlPlaneMetrics } from '../../src/monitoring/metrics/index.ts';
import { replay, sampleDeployment, sampleRouterStats } from '../../src/monitoring/metrics/test-fixtures.ts';

// promtool comes with the Debian package `prometheus`, which .ci/run installs.
const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' });
const missing = promtool.error !== undefined || promtool.status !== 0;
if (missing) console.warn('skipping the promtool checks: `promtool` is not on PATH (install the Debian package `prometheus`)');

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

describe.skipIf(missing)('metrics pass `promtool check metrics`', () => {
  it('accepts the control plane registry after a deployment rolled back and an analysis', async () => {
    const metrics = createControlPlaneMetrics();
    metrics.setInstanceSource(() => [
      { service: 'hello', revision: 1, state: 'ready' },
      { service: 'hello', revision: 2, state: 'draining' },
    ]);
    replay(
      [
        { event: { type: 'DeploymentCreated', deployment: sampleDeployment() }, at: 1000 },
        { event: { type: 'StepStarted', index: 0, message: 'scale' }, at: 2000 },
        { event: { type: 'StepCompleted', index: 0 }, at: 9000 },
        {
          event: { type: 'AnalysisCompleted', step: 1, verdict: 'Failed', metrics: [{ name: 'error-rate', verdict: 'Failed', value: 0.2 }], message: 'error rate 20%' },
          at: 9500,
        },
        { event: { type: 'EndRequested', phase: 'RolledBack', reason: 'error rate 20%', code: 'AnalysisFailed' }, at: 10_000 },
        { event: { type: 'Finished', phase: 'RolledBack', message: 'rolled back' }, at: 20_000 },
      ],
      (stored, before) => metrics.observeEvent(stored, before),
    );
    const text = await metrics.metricsText();
    expect(text).toContain('cutover_rollbacks_total{');
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
