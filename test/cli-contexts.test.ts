import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ENTRY, Cluster, runCli } from './support/cluster.ts';

/**
 * Named contexts through the real CLI and two real servers: each context
 * reaches its own server with its own credentials; `--context` and
 * CUTOVER_CONTEXT pick one for a command, `context use` for the ones after;
 * a flag or an environment variable overrides one setting of it; a config
 * file others can read is refused.
 */
describe('cutover context', () => {
  const a = new Cluster();
  const b = new Cluster();
  const home = mkdtempSync(join(tmpdir(), 'cutover-contexts-'));
  const file = join(home, 'cutover', 'config.yaml');
  // Nothing from the test's own environment may choose the server or credentials.
  const env = { XDG_CONFIG_HOME: home, CUTOVER_SERVER: '', CUTOVER_DATA_DIR: '', CUTOVER_TOKEN: '', CUTOVER_CONTEXT: '', CUTOVER_KEY_ID: '', CUTOVER_KEY_FILE: '' };
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { ...env, ...extra });
  /** The users a command's server has: which server it reached, with credentials that server accepts. */
  const users = async (args: string[], extra: Record<string, string> = {}) => {
    const result = await cli([...args, 'user', 'list', '-o', 'json'], extra);
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as { name: string }[]).map((u) => u.name).filter((name) => name.startsWith('only-'));
  };

  beforeAll(async () => {
    await Promise.all([a.start(), b.start()]);
    expect((await a.api('POST', '/v1/users', { name: 'only-on-a', roles: ['viewer:development'] })).status).toBe(201);
    expect((await b.api('POST', '/v1/users', { name: 'only-on-b', roles: ['viewer:development'] })).status).toBe(201);
  });
  afterAll(async () => {
    await Promise.all([a.destroy(), b.destroy()]);
    rmSync(home, { recursive: true, force: true });
  });

  it('adds contexts to a 0600 file in a 0700 folder; the first one added is in use', async () => {
    const added = await cli(['context', 'add', 'alpha', '--server', a.url, '--token-file', join(a.dataDir, 'admin-token')]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('context alpha added');
    expect(added.stdout).toContain('in use');
    // A token printed once is kept in the file itself: piped in, never on the command line.
    const piped = spawnSync(process.execPath, [CLI_ENTRY, 'context', 'add', 'beta', '--server', b.url, '--token-stdin'], { input: `${b.token}\n`, env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(piped.status, piped.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'cutover')).mode & 0o777).toBe(0o700);

    const list = await cli(['context', 'list', '-o', 'json']);
    expect(JSON.parse(list.stdout)).toEqual({
      current: 'alpha',
      contexts: [
        { name: 'alpha', server: a.url, credentials: { kind: 'tokenFile', path: join(a.dataDir, 'admin-token') }, current: true },
        { name: 'beta', server: b.url, credentials: { kind: 'token' }, current: false },
      ],
    });
    // The token is never printed.
    expect((await cli(['context', 'list', '-o', 'yaml'])).stdout).not.toContain(b.token);
    expect((await cli(['context', 'list'])).stdout).toMatch(/^\*\s+alpha\s/m);
  });

  it('sends each command to the server of the context it picks, with that context\'s credentials', async () => {
    expect(await users([])).toEqual(['only-on-a']);
    expect(await users(['--context', 'beta'])).toEqual(['only-on-b']);
    expect(await users([], { CUTOVER_CONTEXT: 'beta' })).toEqual(['only-on-b']);
    // --context wins over CUTOVER_CONTEXT, as a flag wins over its variable.
    expect(await users(['--context', 'alpha'], { CUTOVER_CONTEXT: 'beta' })).toEqual(['only-on-a']);
    expect((await cli(['context', 'current'], { CUTOVER_CONTEXT: 'beta' })).stdout).toContain('beta');

    const used = await cli(['context', 'use', 'beta']);
    expect(used.code, used.stderr).toBe(0);
    expect(await users([])).toEqual(['only-on-b']);
    expect((await cli(['context', 'current'])).stdout).toMatch(/^beta \(.*current in/);
  });

  it('lets a flag or an environment variable override one setting of the context, saying so', async () => {
    // Server from CUTOVER_SERVER, credentials still beta's: server A refuses B's token.
    const crossed = await cli(['--context', 'beta', 'user', 'list'], { CUTOVER_SERVER: a.url });
    expect(crossed.code).toBe(1);
    expect(crossed.stderr).toContain('CUTOVER_SERVER overrides the server of context beta');
    expect(crossed.stderr).toContain('Unauthorized');
    // Both overridden: the context is only the default.
    expect(await users(['--context', 'beta', '--server', a.url], { CUTOVER_TOKEN: a.token })).toEqual(['only-on-a']);
  });

  it('refuses an unknown context, naming the ones there are', async () => {
    const result = await cli(['--context', 'gamma', 'user', 'list']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no context named "gamma"');
    expect(result.stderr).toContain('alpha, beta');
    // A context whose server does not answer is named in the error.
    expect((await cli(['context', 'add', 'down', '--server', 'http://127.0.0.1:9', '--token-file', join(a.dataDir, 'admin-token')])).code).toBe(0);
    const down = await cli(['--context', 'down', 'list']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach the cutover server at http://127.0.0.1:9 (from context down)');
    expect((await cli(['context', 'remove', 'down'])).code).toBe(0);
  });

  it('refuses a config file others can read, or a folder others can write, saying how to fix it', async () => {
    chmodSync(file, 0o644);
    try {
      const result = await cli(['user', 'list']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`chmod 600 ${file}`);
      expect((await cli(['context', 'list'])).code).toBe(2);
    } finally {
      chmodSync(file, 0o600);
    }
    chmodSync(join(home, 'cutover'), 0o777);
    try {
      const result = await cli(['context', 'current']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`chmod 700 ${join(home, 'cutover')}`);
    } finally {
      chmodSync(join(home, 'cutover'), 0o700);
    }
    expect(await users([])).toEqual(['only-on-b']);
  });

  it('removes a context; with none in use, commands go back to what works without contexts', async () => {
    const removed = await cli(['context', 'remove', 'beta']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('no context is in use now');
    expect((await cli(['context', 'current'])).code).toBe(1);
    expect(await users([], { CUTOVER_SERVER: b.url, CUTOVER_DATA_DIR: b.dataDir })).toEqual(['only-on-b']);
    expect((await cli(['context', 'remove', 'beta'])).code).toBe(2);
  });
});
