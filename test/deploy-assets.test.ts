import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/core/entry.ts';
import { requireTool } from './support/tools.ts';

const DEPLOY = join(PROJECT_ROOT, 'deploy');
const withPromtool = requireTool('promtool');
const withSystemd = requireTool('systemd-analyze');
const scratch = mkdtempSync(join(tmpdir(), 'cutover-deploy-assets-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(command: string, args: string[], cwd = DEPLOY): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

withPromtool.describe('the Prometheus assets in deploy/prometheus', () => {
  it('alert rules pass `promtool check rules`', () => {
    const { status, output } = run('promtool', ['check', 'rules', 'prometheus/cutover-alerts.yml']);
    expect(output).toContain('SUCCESS');
    expect(status, output).toBe(0);
  });

  it('each alert fires on the series that should fire it, and not before (`promtool test rules`)', () => {
    const { status, output } = run('promtool', ['test', 'rules', 'cutover-alerts.test.yml'], join(DEPLOY, 'prometheus'));
    expect(status, output).toBe(0);
  });

  it('every alert rule has a unit test', () => {
    const rules = [...readFileSync(join(DEPLOY, 'prometheus/cutover-alerts.yml'), 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    const tested = new Set([...readFileSync(join(DEPLOY, 'prometheus/cutover-alerts.test.yml'), 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
    expect(rules.length).toBeGreaterThanOrEqual(4);
    expect(rules.filter((rule) => !tested.has(rule))).toEqual([]);
  });

  it('the scrape config passes `promtool check config` (with the metrics token file in place)', () => {
    const token = join(scratch, 'metrics-token');
    writeFileSync(token, 'example-token\n', { mode: 0o600 });
    const config = readFileSync(join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8').replaceAll('/var/lib/cutover/metrics-token', token);
    expect(config).toContain('http_sd_configs');
    writeFileSync(join(scratch, 'prometheus.yml'), config);
    copyFileSync(join(DEPLOY, 'prometheus/cutover-alerts.yml'), join(scratch, 'cutover-alerts.yml'));
    const { status, output } = run('promtool', ['check', 'config', 'prometheus.yml'], scratch);
    expect(status, output).toBe(0);
  });
});

describe('the Grafana dashboard in deploy/grafana', () => {
  const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana/cutover-dashboard.json'), 'utf8')) as {
    uid: string;
    panels: { id: number; title: string; targets: { expr: string }[] }[];
  };

  it('is a dashboard whose panels each have a unique id and at least one query', () => {
    expect(dashboard.uid).toBe('cutover-overview');
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
  });

  it('has the board of services, canary vs stable, weights and rollbacks', () => {
    const titles = dashboard.panels.map((panel) => panel.title).join('\n');
    for (const word of ['Services', 'canary vs stable', 'Weight', 'Rollbacks']) expect(titles).toContain(word);
  });
});

withSystemd.describe('the systemd unit in deploy/systemd', () => {
  const unit = join(DEPLOY, 'systemd/cutover.service');

  it('passes `systemd-analyze verify`', () => {
    const { status, output } = run('systemd-analyze', ['verify', unit]);
    expect(status, output).toBe(0);
  });

  it('is hardened: an exposure of at most 2.5 by `systemd-analyze security`', () => {
    const { status, output } = run('systemd-analyze', ['security', '--offline=true', '--threshold=25', unit]);
    expect(output).toMatch(/Overall exposure level for cutover\.service: [0-2]\.\d/);
    expect(status, output).toBe(0);
  });

  it('leaves instances and routers running when the server stops (KillMode=process)', () => {
    expect(readFileSync(unit, 'utf8')).toMatch(/^KillMode=process$/m);
  });
});
