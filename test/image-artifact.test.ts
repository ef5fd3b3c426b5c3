import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { BASE_IMAGE } from '../src/platforms/docker/base-image.ts';
import { signedImageText } from '../src/spec/image-artifact.ts';
import { generateMinisignKeyPair, parseMinisignSecretKey, signMinisign } from '../src/supply-chain/minisign/index.ts';
import { Cluster, HELLO_DIR, helloSpec } from './support/cluster.ts';
import { requireDocker } from './support/docker.ts';

/**
 * An image by digest instead of an artifact (`artifact.image`), end to end
 * on a private engine, with no registry: the image is made locally (the
 * base image plus examples/hello, committed), and its digest is its image ID.
 * It deploys on docker and runs as it is (nothing mounted); a tag without a
 * digest is refused, so is an environment whose instances are processes;
 * an image the engine lacks fails its deployment with the image named; and
 * an environment that requires signatures applies that gate to the digest.
 */
const docker = await requireDocker();

docker.describe('an image by digest instead of an artifact', () => {
  const cluster = new Cluster();
  const keys = generateMinisignKeyPair();
  let digest = '';
  const engine = () => docker.engine!;
  const docker_ = (...args: string[]) => {
    const run = spawnSync('docker', ['-H', engine().host, ...args], { encoding: 'utf8', timeout: 120_000 });
    if (run.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${run.stderr || run.error?.message}`);
    return run.stdout.trim();
  };

  beforeAll(async () => {
    // The image: the base image with hello's files in /app, committed (no registry, no build).
    const container = docker_('create', BASE_IMAGE, 'node', 'server.js');
    docker_('cp', `${HELLO_DIR}/.`, `${container}:/app`);
    docker_('commit', '--change', 'WORKDIR /app', container, 'example/hello:1');
    docker_('rm', container);
    digest = docker_('inspect', '--format', '{{.Id}}', 'example/hello:1').replace(/^sha256:/, '');
    const config = join(cluster.dataDir, 'config.yaml');
    const trusted = keys.publicKeyText.split('\n')[1]!;
    writeFileSync(
      config,
      `environments:\n  development:\n    platform: docker\n  staging:\n    platform: docker\n    signatureRequired: true\n    trustedKeys: ["${trusted}"]\n  testing:\n    description: processes\n`,
    );
    cluster.serverArgs = ['--config', config];
    process.env.DOCKER_HOST = engine().host;
    await cluster.start();
  }, 180_000);
  afterAll(() => cluster.destroy(), 120_000);

  docker.it('deploys it on docker, running the image as it is, with its digest as the revision\'s', async () => {
    const port = await freePort();
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec('hello', helloSpec({ port, instances: 2, artifact: { image: `example/hello:1@sha256:${digest}` } })), '--wait');
    expect(applied.code, applied.stdout + applied.stderr + cluster.log()).toBe(0);
    const status = await cluster.status('hello');
    expect(status.phase).toBe('Succeeded');
    expect(applied.stdout).toContain(`artifact sha256:${digest.slice(0, 12)}`);
    expect(((await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { version: string }).version).toBe('1.0.0');
    const containers = await engine().api.call<{ Id: string }[]>({ path: '/containers/json', query: { filters: JSON.stringify({ label: ['cutover.service=hello'] }) } });
    expect(containers).toHaveLength(2);
    for (const { Id } of containers) {
      const inspected = await engine().api.call<{ Image: string; Config: { WorkingDir: string }; Mounts: { Destination: string }[] }>({ path: `/containers/${Id}/json` });
      expect(inspected.Image).toBe(`sha256:${digest}`);
      expect(inspected.Config.WorkingDir).toBe('/app');
      expect(inspected.Mounts.filter((m) => m.Destination === '/app')).toEqual([]);
    }
  }, 180_000);

  docker.it('refuses a tag without a digest, and an environment whose instances are processes', async () => {
    const port = await freePort();
    const tagged = await cluster.cli('apply', '-f', cluster.writeSpec('tagged', helloSpec({ port, artifact: { image: 'example/hello:1' } })));
    expect(tagged.code).not.toBe(0);
    expect(tagged.stderr).toMatch(/spec\.artifact\.image.*expected an image by digest.*docker inspect --format/s);
    const local = await cluster.cli('apply', '-f', cluster.writeSpec('local', helloSpec({ environment: 'testing', port, artifact: { image: `example/hello:1@sha256:${digest}` } })));
    expect(local.code).not.toBe(0);
    expect(local.stderr).toMatch(/artifact\.image example\/hello:1@sha256:\w+ runs only where instances are containers, and testing runs them as processes/);
  }, 120_000);

  docker.it('fails a deployment of an image the engine does not have, naming it and what to do', async () => {
    const port = await freePort();
    const missing = `example/missing@sha256:${'b'.repeat(64)}`;
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec('missing', helloSpec({ port, instances: 1, artifact: { image: missing } })), '--wait');
    expect(applied.code).not.toBe(0);
    const status = await cluster.status('missing');
    expect(status.message).toContain(`artifact.image ${missing} is not in the Docker engine`);
    expect(status.message).toContain('docker load');
  }, 120_000);

  docker.it('applies the environment\'s signature gate to the digest: refused unsigned, deployed when signed by a trusted key', async () => {
    const port = await freePort();
    const spec = (signature?: string) => helloSpec({ environment: 'staging', port, instances: 2, artifact: { image: `example/hello:1@sha256:${digest}`, ...(signature ? { signature } : {}) } });
    const unsigned = await cluster.cli('apply', '-f', cluster.writeSpec('signed', spec()), '--wait');
    expect(unsigned.code).not.toBe(0);
    expect(unsigned.stderr).toMatch(/cannot be deployed to staging.*signature/s);
    // What is signed: the text sha256:<digest>, as `printf sha256:%s "$DIGEST" | minisign -Sm -` would.
    const wrong = join(cluster.dataDir, '..', `${cluster.dataDir.split('/').pop()}-wrong.minisig`);
    writeFileSync(wrong, signMinisign(signedImageText('c'.repeat(64)), parseMinisignSecretKey(keys.secretKeyText)));
    const forged = await cluster.cli('apply', '-f', cluster.writeSpec('signed', spec(wrong)), '--wait');
    expect(forged.code).not.toBe(0);
    expect(forged.stderr).toMatch(/signature/);
    const file = join(cluster.dataDir, '..', `${cluster.dataDir.split('/').pop()}-image.minisig`);
    writeFileSync(file, signMinisign(signedImageText(digest), parseMinisignSecretKey(keys.secretKeyText)));
    const signed = await cluster.cli('apply', '-f', cluster.writeSpec('signed', spec(file)), '--wait');
    expect(signed.code, signed.stdout + signed.stderr + cluster.log()).toBe(0);
    expect((await cluster.status('signed', 'staging')).phase).toBe('Succeeded');
  }, 180_000);
});
