import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { Cluster, helloSpec, runCli } from './support/cluster.ts';

interface AuditEntry {
  seq: number;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  from: string;
  details?: Record<string, unknown>;
}

/**
 * Identities and the audit log (issue 9, findings 7 and 9), through a real
 * server and the real CLI: a removed bootstrap admin stays removed across
 * restarts, roles and tokens are taken away one by one, audit entries name
 * what was done to what, reads that matter are audited, a saved head finds
 * entries deleted from the end, and a flood of bad credentials adds one entry.
 */
describe('identities and the audit log', () => {
  const cluster = new Cluster();
  let root = '';

  const as = (token: string) => ({ CUTOVER_SERVER: cluster.url, CUTOVER_TOKEN: token });
  const me = async (token: string) => {
    const response = await fetch(`${cluster.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: response.ok ? ((await response.json()) as { user: string; grants: { role: string; environment: string }[] }) : null };
  };
  const tokenOf = (stdout: string) => /token \(shown once[^)]*\): (\S+)/.exec(stdout)?.[1] ?? '';
  const auditEntries = async (token = root): Promise<AuditEntry[]> => {
    const result = await runCli(['audit', 'list', '--limit', '1000', '-o', 'json'], as(token));
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as AuditEntry[];
  };

  beforeAll(async () => {
    await cluster.start();
    const added = await cluster.cli('user', 'add', 'root', '--role', 'admin:*');
    expect(added.code, added.stderr).toBe(0);
    root = tokenOf(added.stdout);
    expect(root).toMatch(/^cut_/);
  });
  afterAll(() => cluster.destroy());

  it('never brings back a removed bootstrap admin, nor accepts the admin-token file again, across restarts', async () => {
    const fileToken = cluster.token;
    expect((await me(fileToken)).status).toBe(200);
    const removed = await runCli(['user', 'remove', 'admin'], as(root));
    expect(removed.code, removed.stderr).toBe(0);
    expect((await me(fileToken)).status).toBe(401);

    await cluster.stopServer();
    await cluster.start();
    // The attack: before, the next start made user admin again with the file's token.
    expect((await me(fileToken)).status).toBe(401);
    expect(cluster.log()).toMatch(/admin-token no longer works .*delete the file/);
    const users = await runCli(['user', 'list', '-o', 'json'], as(root));
    expect((JSON.parse(users.stdout) as { name: string }[]).map((u) => u.name)).toEqual(['root']);

    // Retiring the file: deleted, it is not written again.
    rmSync(join(cluster.dataDir, 'admin-token'));
    await cluster.stopServer();
    await cluster.start();
    expect(() => cluster.token).toThrow(/ENOENT/);
    expect((await me(root)).body?.user).toBe('root');
  });

  it('grants and takes away roles one by one, revokes tokens, and keeps the last admin', async () => {
    const added = await runCli(['user', 'add', 'ci', '--role', 'viewer:development'], as(root));
    expect(added.code, added.stderr).toBe(0);
    const ci = tokenOf(added.stdout);
    expect((await me(ci)).body?.grants).toEqual([{ role: 'viewer', environment: 'development' }]);

    const granted = await runCli(['user', 'grant', 'ci', 'deployer:development', 'approver:staging'], as(root));
    expect(granted.code, granted.stderr).toBe(0);
    expect((await me(ci)).body?.grants).toEqual(
      expect.arrayContaining([
        { role: 'viewer', environment: 'development' },
        { role: 'deployer', environment: 'development' },
        { role: 'approver', environment: 'staging' },
      ]),
    );
    const revoked = await runCli(['user', 'revoke-role', 'ci', 'deployer:development'], as(root));
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await me(ci)).body?.grants).not.toContainEqual({ role: 'deployer', environment: 'development' });
    const notHeld = await runCli(['user', 'revoke-role', 'ci', 'admin:production'], as(root));
    expect(notHeld.code).not.toBe(0);
    expect(notHeld.stderr).toMatch(/does not hold admin:production/);

    const last = await runCli(['user', 'revoke-role', 'root', 'admin:*'], as(root));
    expect(last.code).not.toBe(0);
    expect(last.stderr).toMatch(/would leave no admin on every environment/);
    // A non-admin cannot grant herself anything.
    const self = await runCli(['user', 'grant', 'ci', 'admin:*'], as(ci));
    expect(self.code).not.toBe(0);
    expect(self.stderr).toMatch(/Forbidden|may not/);

    const tokens = await runCli(['user', 'token', 'revoke', 'ci'], as(root));
    expect(tokens.code, tokens.stderr).toBe(0);
    expect(tokens.stdout).toMatch(/1 token revoked/);
    expect((await me(ci)).status).toBe(401);

    const entries = await auditEntries();
    const grant = entries.find((e) => e.action === 'POST /v1/users/:name/grants' && e.outcome === 'succeeded');
    expect(grant).toMatchObject({ actor: 'root', target: 'user/ci', details: { granted: ['deployer:development', 'approver:staging'] } });
    expect(entries.find((e) => e.action === 'DELETE /v1/users/:name/grants/:grant' && e.outcome === 'succeeded')).toMatchObject({ actor: 'root', target: 'user/ci', details: { revoked: 'deployer:development' } });
    expect(entries.find((e) => e.action === 'POST /v1/users/:name/grants' && e.outcome === 'denied')).toMatchObject({ actor: 'ci', target: '/v1/users/ci/grants' });
    expect(entries.find((e) => e.action === 'DELETE /v1/users/:name/tokens')).toMatchObject({ actor: 'root', target: 'user/ci', details: { tokensRevoked: 1 } });
  });

  it('names the revision and digest deployed, the key revoked, and audits exports, environment views and audit reads', async () => {
    const port = await freePort();
    const applied = await runCli(['apply', '-f', cluster.writeSpec('ledger', helloSpec({ port, instances: 1 })), '--wait'], as(root));
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const history = await fetch(`${cluster.url}/v1/environments/development/services/ledger/history`, { headers: { authorization: `Bearer ${root}` } });
    const digest = ((await history.json()) as { history: { revision: number; digest: string }[] }).history.find((h) => h.revision === 1)?.digest;
    expect(digest).toMatch(/^[0-9a-f]{64}$/);

    const keyFile = join(cluster.dataDir, '..', `${cluster.dataDir.split('/').pop()}-root-laptop.key`);
    const key = await runCli(['key', 'add', 'root', '--keyid', 'root-laptop', '--alg', 'hmac-sha256', '--out', keyFile], as(root));
    rmSync(keyFile, { force: true });
    expect(key.code, key.stderr).toBe(0);
    const revokedKey = await runCli(['key', 'revoke', 'root-laptop'], as(root));
    expect(revokedKey.code, revokedKey.stderr).toBe(0);

    const deployed = (await auditEntries()).find((e) => e.action === 'POST /v1/apply' && e.outcome === 'succeeded');
    expect(deployed).toMatchObject({ actor: 'root', target: 'service/ledger@development', details: { revision: 1, version: '1.0.0' } });
    expect(deployed?.details?.digest).toBe(digest);

    const uploaded = (await auditEntries()).find((e) => e.action === 'POST /v1/artifacts');
    const artifact = String(uploaded?.details?.digest);
    expect((await fetch(`${cluster.url}/v1/artifacts/${artifact}/export`, { headers: { authorization: `Bearer ${root}` } })).status).toBe(200);
    expect((await fetch(`${cluster.url}/v1/environments/development`, { headers: { authorization: `Bearer ${root}` } })).status).toBe(200);

    const entries = await auditEntries();
    expect(entries.find((e) => e.action === 'DELETE /v1/signing-keys/:keyid')).toMatchObject({ actor: 'root', target: 'signing-key/root-laptop', details: { keyid: 'root-laptop', user: 'root' } });
    expect(entries.find((e) => e.action === 'GET /v1/artifacts/:digest/export')).toMatchObject({ actor: 'root', target: `artifact/${artifact}`, outcome: 'succeeded' });
    expect(entries.find((e) => e.action === 'GET /v1/environments/:name')).toMatchObject({ actor: 'root', target: 'environment/development' });
    // Reading the audit log is itself in the log.
    expect(entries.filter((e) => e.action === 'GET /v1/audit').length).toBeGreaterThanOrEqual(3);
  });

  it('finds entries deleted from the end of the log with a head saved earlier', async () => {
    const head = await runCli(['audit', 'head'], as(root));
    expect(head.code, head.stderr).toBe(0);
    const saved = head.stdout.trim();
    expect(saved).toMatch(/^\d+:[0-9a-f]{64}$/);
    expect((await runCli(['audit', 'verify', '--head', saved], as(root))).code).toBe(0);

    // The attack: whoever can write the database deletes the newest entries (the head itself among them).
    const seq = Number(saved.split(':')[0]);
    const db = new Database(join(cluster.dataDir, 'cutover.db'));
    db.prepare('DELETE FROM audit_log WHERE seq >= ?').run(seq - 2);
    db.close();

    // The chain alone cannot tell; the saved head can.
    const plain = await runCli(['audit', 'verify'], as(root));
    expect(plain.code, plain.stdout).toBe(0);
    const checked = await runCli(['audit', 'verify', '--head', saved], as(root));
    expect(checked.code, checked.stdout + checked.stderr).toBe(1);
    expect(checked.stdout).toMatch(/TAMPERED: .*removed from the end/);
  });

  // The flood comes from another loopback address, so that failures of the tests before it (from 127.0.0.1, in the
  // same minute) do not count against its limit; Linux answers all of 127.0.0.0/8.
  const FLOOD_ADDRESS = '127.0.0.2';
  /** A POST with a forged token from `address`; resolves with the status. */
  const forgedFrom = (address: string) =>
    new Promise<number>((resolve, reject) => {
      const body = '{"name":"eve","roles":["admin:*"]}';
      const req = request(`${cluster.url}/v1/users`, { method: 'POST', localAddress: address, headers: { authorization: 'Bearer cut_forged', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });

  it('counts a flood of bad credentials into one audit entry per address, answers 429 past the limit, and still lets good credentials in', async () => {
    const before = (await auditEntries()).at(-1)!.seq;
    const statuses: number[] = [];
    for (let i = 0; i < 400; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, () => forgedFrom(FLOOD_ADDRESS)),
      );
      statuses.push(...batch);
    }
    expect(statuses.filter((s) => s === 401).length).toBe(300);
    expect(statuses.filter((s) => s === 429).length).toBe(100);
    expect((await me(root)).status).toBe(200);
    // Nothing was appended per request; the count is written when the minute ends, or when the server stops.
    const flood = (entries: AuditEntry[]) => entries.filter((e) => e.seq > before && e.actor === 'anonymous' && (e.details?.routes as Record<string, number> | undefined)?.['POST /v1/users']);
    const during = flood(await auditEntries());
    expect(during).toEqual([]);
    await cluster.stopServer();
    await cluster.start();
    const after = flood(await auditEntries());
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ action: 'unauthenticated requests', outcome: 'denied', from: FLOOD_ADDRESS, details: { count: 400, statuses: { 401: 300, 429: 100 }, routes: { 'POST /v1/users': 400 }, answered429: 100 } });
    expect((await runCli(['audit', 'verify'], as(root))).code).toBe(0);
  });
});
