import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort } from '../src/core/net.ts';
import { Cluster, helloSpec, runCli } from './support/cluster.ts';

/** `cutover list`, `-o yaml` and `cutover validate`, through the real CLI process (and, for list, a real server). */
describe('cutover list, -o yaml and validate', () => {
  const cluster = new Cluster();
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec('hello-list', helloSpec({ port, instances: 1 })), '--wait');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  });
  afterAll(() => cluster.destroy());

  it('lists every service with its phase, revision, version and weights', async () => {
    const result = await cluster.cli('list');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^SERVICE\s+ENVIRONMENT\s+PHASE\s+REVISION\s+VERSION/);
    expect(lines[1]).toMatch(/^hello-list\s+development\s+Succeeded\s+1\s+1\.0\.0\s+1\s+r1=100%\s+1$/);
  });

  it('prints the same fields as JSON and as YAML, and filters by environment', async () => {
    const json = await cluster.cli('list', '-o', 'json');
    const yaml = await cluster.cli('list', '-o', 'yaml');
    expect(json.code).toBe(0);
    expect(yaml.code).toBe(0);
    const fromJson = JSON.parse(json.stdout) as { services: { service: string; phase: string }[] };
    expect(fromJson.services.map((s) => [s.service, s.phase])).toEqual([['hello-list', 'Succeeded']]);
    expect(parse(yaml.stdout)).toEqual(fromJson);
    const other = await cluster.cli('list', '--env', 'production', '-o', 'json');
    expect(JSON.parse(other.stdout)).toEqual({ services: [] });
    expect((await cluster.cli('list', '--env', 'production')).stdout).toContain('no services in production');
  });

  it('prints status as YAML with the fields of -o json', async () => {
    const json = JSON.parse((await cluster.cli('status', 'hello-list', '-o', 'json')).stdout) as Record<string, unknown>;
    const yaml = await cluster.cli('status', 'hello-list', '-o', 'yaml');
    expect(yaml.code).toBe(0);
    const fromYaml = parse(yaml.stdout) as Record<string, unknown>;
    expect(Object.keys(fromYaml)).toEqual(Object.keys(json));
    expect(fromYaml.phase).toBe('Succeeded');
  });

  it('validates a good spec offline, with no server at all', async () => {
    const result = await runCli(['validate', '-f', cluster.writeSpec('hello-valid', helloSpec({ port: 18080 }))], { CUTOVER_SERVER: 'http://127.0.0.1:9' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/: valid: hello-valid 1\.0\.0 to development, rolling, 3 instance\(s\) on port 18080/);
  });

  it('lists every problem of a bad spec at once and exits 2', async () => {
    const file = cluster.writeSpec('hello-invalid', helloSpec({ port: 99999, instances: 0, strategy: { canary: { steps: [{ setWeight: 150 }] } } }));
    const result = await runCli(['validate', '-f', file], { CUTOVER_SERVER: 'http://127.0.0.1:9' });
    expect(result.code).toBe(2);
    for (const field of ['spec.port', 'spec.instances', 'spec.strategy.canary.steps[0].setWeight']) expect(result.stderr).toContain(field);
    const broken = `${file}.broken.yaml`;
    writeFileSync(broken, 'apiVersion: cutover/v1\nkind: [unclosed\n');
    try {
      const syntax = await runCli(['validate', '-f', broken]);
      expect(syntax.code).toBe(2);
      expect(syntax.stderr).toMatch(/line \d+, column \d+/);
    } finally {
      rmSync(broken, { force: true });
    }
  });
});
