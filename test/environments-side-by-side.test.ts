import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineView } from '../src/api/pipeline.ts';
import { freePort } from '../src/core/net.ts';
import { Cluster, HELLO_DIR, helloSpec, runCli } from './support/cluster.ts';

const STAGES = ['development', 'staging', 'production'] as const;

/**
 * One spec file, three stages on one server: hello in development, staging
 * and production at once, each on its own port from `spec.environments`,
 * each answering its own version. Real server, routers, instances and CLI.
 */
describe('hello in development, staging and production at once, from one spec file', () => {
  const cluster = new Cluster();
  const ports: Record<string, number> = {};
  let file = '';

  /** The one spec file, as a person edits it between applies: only `version` changes. */
  const writeVersion = (version: string) => {
    writeFileSync(
      file,
      stringify({
        apiVersion: 'cutover/v1',
        kind: 'Service',
        metadata: { name: 'hello' },
        spec: {
          ...helloSpec({ version, instances: 1, strategy: { rolling: { maxSurge: 1, maxUnavailable: 0 } } }),
          artifact: { path: HELLO_DIR },
          run: { command: ['node', 'server.js'], env: { STAGE: 'default' } },
          port: ports.development,
          environments: {
            staging: { port: ports.staging, run: { env: { STAGE: 'staging' } } },
            production: { port: ports.production, instances: 2, strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '1s' } }] } } },
          },
        },
      }),
    );
  };

  beforeAll(async () => {
    for (const stage of STAGES) ports[stage] = await freePort();
    file = join(cluster.dataDir, '..', `${cluster.dataDir.split('/').pop()}-hello-stages.yaml`);
    const config = join(cluster.dataDir, 'config.yaml');
    // Production's own gates (approval, signature, staging first) are tested in the security and environment tests.
    writeFileSync(config, stringify({ environments: { staging: { instances: { min: 1 } }, production: { instances: { min: 1 }, approvalRequired: false, signatureRequired: false, requiresSuccessIn: null } }, policies: { defaults: false } }));
    cluster.serverArgs = ['--config', config];
    await cluster.start();
  });
  afterAll(async () => {
    await cluster.destroy();
    rmSync(file, { force: true });
  });

  it('each stage runs on its own port and answers its own version; `pipeline hello` shows all three', async () => {
    const versions = { production: '1.0.0', staging: '2.0.0', development: '3.0.0' } as const;
    for (const stage of ['production', 'staging', 'development'] as const) {
      writeVersion(versions[stage]);
      const applied = await cluster.cli('apply', '-f', file, '--env', stage, '--wait');
      expect(applied.code, applied.stdout + applied.stderr + cluster.log().slice(-3000)).toBe(0);
    }
    for (const stage of STAGES) {
      const answer = (await (await fetch(`http://127.0.0.1:${ports[stage]}/`)).json()) as { version: string };
      expect(answer.version, stage).toBe(versions[stage]);
      const status = await cluster.status('hello', stage);
      expect(status).toMatchObject({ environment: stage, phase: 'Succeeded', version: versions[stage] });
      expect(status.instances).toHaveLength(stage === 'production' ? 2 : 1);
    }

    const pipeline = await cluster.cli('pipeline', 'hello', '-o', 'json');
    expect(pipeline.code, pipeline.stderr).toBe(0);
    const view = JSON.parse(pipeline.stdout) as PipelineView;
    expect(view.stages.map((stage) => [stage.environment, stage.version, stage.phase])).toEqual([
      ['development', '3.0.0', 'Succeeded'],
      ['staging', '2.0.0', 'Succeeded'],
      ['production', '1.0.0', 'Succeeded'],
    ]);
    const table = await cluster.cli('pipeline', 'hello');
    for (const stage of STAGES) expect(table.stdout).toMatch(new RegExp(`${stage}\\s.*${versions[stage].replace(/\./g, '\\.')}`));
  }, 150_000);

  it('per-environment override errors name spec.environments.<env>.<field>, all at once: validate -f exits 2, the API answers 400', async () => {
    const broken = {
      apiVersion: 'cutover/v1',
      kind: 'Service',
      metadata: { name: 'hello' },
      spec: {
        ...helloSpec({ port: ports.development }),
        artifact: { path: HELLO_DIR },
        run: { command: ['node', 'server.js'] },
        environments: {
          staging: { port: 70000, instances: 0 },
          production: { previewPort: 9001, supersede: 'sometimes', colour: 'blue' },
        },
      },
    };
    const expected = [
      'spec.environments.staging.port',
      'spec.environments.staging.instances',
      'spec.environments.production.previewPort',
      'spec.environments.production.supersede',
      'spec.environments.production.colour',
    ];
    const brokenFile = `${file}.broken.yaml`;
    writeFileSync(brokenFile, stringify(broken));
    try {
      const validated = await runCli(['validate', '-f', brokenFile]);
      expect(validated.code, validated.stdout + validated.stderr).toBe(2);
      for (const path of expected) expect(validated.stderr, validated.stderr).toContain(path);

      const api = await cluster.api<{ error: { code: string; problems?: { path: string; message: string }[] } }>('POST', '/v1/apply', { spec: broken, artifact: { digest: '0'.repeat(64) } });
      expect(api.status, JSON.stringify(api.body)).toBe(400);
      expect(api.body.error.code).toBe('InvalidSpec');
      const paths = (api.body.error.problems ?? []).map((problem) => problem.path);
      for (const path of expected) expect(paths, JSON.stringify(api.body.error)).toContain(path);
    } finally {
      rmSync(brokenFile, { force: true });
    }
  });
});
