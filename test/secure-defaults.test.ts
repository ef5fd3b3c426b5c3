import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { CLI_ENTRY, runCli, waitFor } from './support/cluster.ts';
import { requireTool } from './support/tools.ts';

const withOpenssl = requireTool('openssl');

/** Stops a server the test started and waits for it to exit. */
async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
}

/**
 * The server will not put the API on the network in clear: 127.0.0.2 is on
 * this machine but not the loopback address the server trusts, so it needs
 * TLS (or an explicit, loudly logged opt-out). Tokens are written 0600.
 */
describe('secure defaults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutover-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a non-loopback address without TLS, saying what to do', async () => {
    const result = await runCli(['server', '--data-dir', join(dir, 'a'), '--host', '127.0.0.2', '--port', String(await freePort())]);
    expect(result.code).toBe(2); // a usage error: nothing started
    expect(result.stderr).toMatch(/refusing to listen on 127\.0\.0\.2 without TLS.*--tls-cert and --tls-key, or --insecure-listen-anywhere/);
  });

  withOpenssl.it('serves HTTPS with --tls-cert and --tls-key, and writes the admin token with mode 0600', async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.2', '-addext', 'subjectAltName=IP:127.0.0.2', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const port = await freePort();
    const dataDir = join(dir, 'b');
    const server = spawn(process.execPath, [CLI_ENTRY, 'server', '--data-dir', dataDir, '--host', '127.0.0.2', '--port', String(port), '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')], { stdio: 'ignore' });
    try {
      const ca = readFileSync(join(dir, 'cert.pem'));
      const agent = new Agent({ ca });
      const status = await waitFor('the HTTPS API', () =>
        new Promise<number | null>((resolve) => {
          const req = request({ host: '127.0.0.2', port, path: '/healthz', agent }, (res) => {
            res.resume();
            resolve(res.statusCode ?? null);
          });
          req.on('error', () => resolve(null));
          req.end();
        }),
      );
      expect(status).toBe(200);
      expect(statSync(join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
      expect(existsSync(join(dataDir, 'router-token'))).toBe(false); // each router has its own (test/router-tokens.test.ts)
      expect(statSync(join(dataDir, 'metrics-token')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dataDir, 'cutover.db')).mode & 0o777).toBe(0o600);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    } finally {
      await stop(server);
    }
  });

  it('allows a non-loopback address without TLS only when told to, and says so loudly in the log', async () => {
    const port = await freePort();
    const server = spawn(process.execPath, [CLI_ENTRY, 'server', '--data-dir', join(dir, 'c'), '--host', '127.0.0.2', '--port', String(port), '--insecure-listen-anywhere'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    server.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    try {
      await waitFor('the insecure warnings', () => log.includes('INSECURE') && log.includes('security.publicUrl is not set'));
      expect(log).toMatch(/"level":40.*INSECURE: the API listens on a non-loopback address WITHOUT TLS/);
      expect(log).toMatch(/"level":40.*security\.publicUrl is not set: signed requests are checked against the Host header/);
    } finally {
      await stop(server);
    }
  });
});
