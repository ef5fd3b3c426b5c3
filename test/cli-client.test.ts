import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { CLI_ENTRY, Cluster, helloSpec, waitFor } from './support/cluster.ts';

/** A CLI process that keeps running (`logs -f`), its output collected as it comes. */
function startCli(cluster: Cluster, args: string[]) {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
    env: { ...process.env, ...cluster.env, CUTOVER_TOKEN: cluster.token, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '', code: null as number | null };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve((output.code = code ?? (signal ? 128 : 1)))));
  return { child, output, exited };
}

/** The client side of the CLI through a real server and the built CLI: logs -f, --timeout, status --watch's exit, former names. */
describe('cutover CLI client', () => {
  const cluster = new Cluster();
  const service = 'hello-cc';
  let port = 0;
  const followers: ReturnType<typeof startCli>[] = [];

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 1 })), '--wait', '--timeout', '5m');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  });
  afterAll(async () => {
    for (const follower of followers) follower.child.kill('SIGKILL');
    await cluster.destroy();
  });

  it('follows logs through a deployment: the new instances\' lines appear; --timeout ends it with 124', async () => {
    const follower = startCli(cluster, ['logs', service, '-f', '--lines', '5', '--timeout', '10m']);
    followers.push(follower);
    await waitFor('the first revision\'s lines', () => /\] hello 1\.0\.0 revision 1 instance \S+ listening/.test(follower.output.stdout), 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\nstdout: ${follower.output.stdout}\nstderr: ${follower.output.stderr}`);
    });
    // A canary that stops at a manual pause: a new instance starts, and the deployment waits.
    const manual = { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } };
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 1, version: '2.0.0', strategy: manual })));
    expect(applied.code, applied.stderr).toBe(0);
    await waitFor('the new revision\'s lines in the followed log', () => /\] hello 2\.0\.0 revision 2 instance \S+ listening/.test(follower.output.stdout), 90_000).catch((error: Error) => {
      throw new Error(`${error.message}\nstdout: ${follower.output.stdout}\nstderr: ${follower.output.stderr}`);
    });
    expect(follower.output.code).toBeNull();
    follower.child.kill('SIGINT');
    await follower.exited;

    const limited = await cluster.cli('logs', service, '-f', '--lines', '1', '--timeout', '2s');
    expect(limited.code, limited.stderr).toBe(124);
    expect(limited.stdout).toMatch(/^\[hello-cc-\S+\] hello/);
    expect(limited.stderr).toContain('gave up waiting after 2s (--timeout); the service goes on running');
  });

  it('status --watch gives up at --timeout with 124, and exits 1 once the deployment ended Aborted', async () => {
    await waitFor('the canary to pause', async () => (await cluster.status(service)).phase === 'Paused', 90_000);
    const watched = await cluster.cli('status', service, '--watch', '--timeout', '2s');
    expect(watched.code, watched.stdout + watched.stderr).toBe(124);
    expect(watched.stderr).toContain(`the deployment goes on: \`cutover status ${service} --env development --watch\` follows it`);
    expect((await cluster.status(service)).phase).toBe('Paused');

    const aborted = await cluster.cli('abort', service, '--wait', '--timeout', '2m');
    expect(aborted.code, aborted.stderr).toBe(0);
    const after = await cluster.cli('status', service, '--watch', '--timeout', '30s');
    expect(after.code, after.stdout).toBe(1);
    expect(after.stdout).toMatch(/phase:\s+Aborted/);
  });

  it('refuses --timeout without the flag that waits, before doing anything (exit 2)', async () => {
    for (const args of [['logs', service, '--timeout', '1s'], ['status', service, '--timeout', '1s'], ['rollback', service, '--timeout', '1s']]) {
      const result = await cluster.cli(...args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(/--timeout limits how long --(follow|watch|wait) waits/);
    }
    expect((await cluster.cli('status', service, '--watch', '--timeout', 'soon')).code).toBe(2);
  });

  it('keeps the former names `keys` and `key` for one release, with a note on stderr only', async () => {
    const current = await cluster.cli('encryption-key', 'list');
    const former = await cluster.cli('keys', 'list');
    expect(current.code, current.stderr).toBe(0);
    expect(former.code, former.stderr).toBe(0);
    expect(former.stdout).toBe(current.stdout);
    expect(former.stderr).toContain('`keys` is now `encryption-key`');
    const help = await cluster.cli('--help');
    expect(help.stdout).toMatch(/\n {2}signing-key /);
    expect(help.stdout).not.toMatch(/\n {2}keys? /);
  });
});
