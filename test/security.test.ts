import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { signRequest } from '../src/security/signatures/index.ts';
import { Cluster, HELLO_DIR, helloSpec, runCli } from './support/cluster.ts';
import { requireTool } from './support/tools.ts';
import { createPrivateKey } from 'node:crypto';

/**
 * The security model end to end, with real keys and the real tools: signed
 * requests, roles, approvals, the audit chain, encryption at rest (age),
 * signatures (minisign), the vulnerability scan, policies and secrets that
 * never leak. Production requires signed artifacts, so the tests that deploy
 * there need minisign.
 */
const withMinisign = requireTool('minisign');
const withAge = requireTool('age');

const SECRET_VALUE = 'hunter2-planted-secret-value';

describe('security end to end', () => {
  const cluster = new Cluster();
  const work = join(cluster.dataDir, '..', `${cluster.dataDir.split('/').pop()}-work`);
  let minisignPub = '';
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    mkdirSync(work, { recursive: true });
    if (withMinisign.available) {
      execFileSync('minisign', ['-G', '-W', '-p', join(work, 'trusted.pub'), '-s', join(work, 'trusted.key')], { stdio: 'ignore' });
      execFileSync('minisign', ['-G', '-W', '-p', join(work, 'other.pub'), '-s', join(work, 'other.key')], { stdio: 'ignore' });
      minisignPub = readFileSync(join(work, 'trusted.pub'), 'utf8').trim().split('\n').at(-1)!;
    }
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(
      config,
      stringify({
        environments: {
          production: { instances: { min: 1 }, requiresSuccessIn: null, trustedKeys: minisignPub ? [minisignPub] : [] },
          testing: { blockVulnerabilitiesAt: 'critical' },
        },
        security: { advisoryDb: join(import.meta.dirname, 'fixtures/advisories') },
      }),
    );
    cluster.serverArgs = ['--config', config];
    await cluster.start();
    for (const [name, roles] of Object.entries({ dev: ['deployer:development', 'deployer:production', 'deployer:testing'], boss: ['approver:production'], peek: ['viewer:development'] })) {
      tokens[name] = (await cluster.api<{ token: string }>('POST', '/v1/users', { name, roles })).body.token;
    }
  });
  afterAll(() => cluster.destroy());

  const as = (user: string) => ({ CUTOVER_SERVER: cluster.url, CUTOVER_TOKEN: tokens[user]! });

  it('signs every CLI request with the user\'s Ed25519 key; refuses replays and stale signatures', async () => {
    const keyFile = join(work, 'dev-ed25519.pem');
    const added = await cluster.cli('signing-key', 'add', 'dev', '--out', keyFile, '--keyid', 'dev-laptop');
    expect(added.code, added.stderr).toBe(0);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const signed = await runCli(['env', 'list'], { CUTOVER_SERVER: cluster.url, CUTOVER_KEY_ID: 'dev-laptop', CUTOVER_KEY_FILE: keyFile, CUTOVER_TOKEN: '' });
    expect(signed.code, signed.stderr).toBe(0);
    // A captured request sent again is refused (its nonce was seen), and so is one signed too long ago.
    const url = `${cluster.url}/v1/environments`;
    const key = { keyid: 'dev-laptop', alg: 'ed25519' as const, secret: createPrivateKey(readFileSync(keyFile, 'utf8')) };
    const headers = signRequest({ method: 'GET', url, headers: {} }, key);
    expect((await fetch(url, { headers: { ...headers } })).status).toBe(200);
    const replay = await fetch(url, { headers: { ...headers } });
    expect(replay.status).toBe(401);
    expect(await replay.text()).toMatch(/nonce|replay/i);
    const stale = signRequest({ method: 'GET', url, headers: {} }, key, { created: Math.floor(Date.now() / 1000) - 3600 });
    const staleResponse = await fetch(url, { headers: { ...stale } });
    expect(staleResponse.status).toBe(401);
    expect(await staleResponse.text()).toMatch(/outside the 300s window/);
    // A body changed after signing does not match its Content-Digest.
    const body = JSON.stringify({ message: 'x' });
    const bodySigned = signRequest({ method: 'POST', url: `${cluster.url}/v1/environments/development/services/x/lock`, headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode(body) }, key);
    const tampered = await fetch(`${cluster.url}/v1/environments/development/services/x/lock`, { method: 'POST', headers: { 'content-type': 'application/json', ...bodySigned }, body: JSON.stringify({ message: 'y' }) });
    expect(tampered.status).toBe(401);
    // Revoked: refused.
    expect((await cluster.cli('signing-key', 'revoke', 'dev-laptop')).code).toBe(0);
    const revoked = await runCli(['env', 'list'], { CUTOVER_SERVER: cluster.url, CUTOVER_KEY_ID: 'dev-laptop', CUTOVER_KEY_FILE: keyFile, CUTOVER_TOKEN: '' });
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/unknown key dev-laptop/);
  });

  it('refuses a deployer on another environment with 403 naming the role it lacks', async () => {
    const result = await runCli(['apply', '-f', cluster.writeSpec('peeky', helloSpec({ port: await freePort(), instances: 1 }))], as('peek'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/user peek has no role that may deploy on any environment; an admin can grant one with `cutover user add peek --role ROLE:ENV`/);
  });

  withMinisign.it('waits in AwaitingApproval in production until an approver who is not the author approves', async () => {
    const spec = cluster.writeSpec('shop', helloSpec({ port: await freePort(), instances: 1, environment: 'production', strategy: { canary: { steps: [] } } }));
    const signed = await signedArtifact(spec, 'shop');
    const applied = await runCli(['apply', '-f', signed], as('dev'));
    expect(applied.code, applied.stderr).toBe(0);
    const waiting = await cluster.status('shop');
    expect(waiting.phase).toBe('AwaitingApproval');
    expect(waiting.instances).toEqual([]);
    const own = await runCli(['approve', String(waiting.deployment.id)], as('dev'));
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/may not approve|cannot approve/);
    const approved = await runCli(['approve', String(waiting.deployment.id)], as('boss'));
    expect(approved.code, approved.stderr).toBe(0);
    const done = await runCli(['status', 'shop', '--watch', '-o', 'json'], as('dev'));
    expect(JSON.parse(done.stdout.slice(done.stdout.indexOf('{'))).phase).toBe('Succeeded');
  });

  /** Packs hello, signs it with the trusted minisign key, and writes a spec pointing at the signed .tar.gz. */
  async function signedArtifact(specFile: string, name: string, key = 'trusted.key', version = '1.0.0'): Promise<string> {
    const archive = join(work, `${name}-${version}.tar.gz`);
    const packed = await cluster.cli('artifact', 'pack', HELLO_DIR, '--out', archive);
    expect(packed.code, packed.stderr).toBe(0);
    execFileSync('minisign', ['-S', '-s', join(work, key), '-m', archive], { stdio: 'ignore' });
    const spec = readFileSync(specFile, 'utf8').replace(`path: ${HELLO_DIR}`, `path: ${archive}`).replace('version: 1.0.0', `version: ${version}`);
    writeFileSync(specFile, spec);
    return specFile;
  }

  withMinisign.it('verifies minisign signatures made by the real tool: refuses tampered, untrusted and missing ones, saying which', async () => {
    const port = await freePort();
    const base = () => cluster.writeSpec('signed', helloSpec({ port, instances: 1, environment: 'production', strategy: { canary: { steps: [] } } }));
    // untrusted key
    const untrusted = await runCli(['apply', '-f', await signedArtifact(base(), 'u', 'other.key')], as('dev'));
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/signature: .*not trusted in environment production/);
    // tampered after signing
    const spec = await signedArtifact(base(), 't');
    const changed = join(work, 'changed');
    cpSync(HELLO_DIR, changed, { recursive: true });
    writeFileSync(join(changed, 'server.js'), `${readFileSync(join(changed, 'server.js'), 'utf8')}\n// a change after signing\n`);
    await cluster.cli('artifact', 'pack', changed, '--out', join(work, 't-1.0.0.tar.gz')); // same file name, other bytes, the old .minisig
    const tampered = await runCli(['apply', '-f', spec], as('dev'));
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/signature: .*(modified|does not match)/);
    // missing (an artifact nobody signed: hello itself was signed in the approval test, and a signature follows its bytes)
    const missing = await runCli(['apply', '-f', cluster.writeSpec('signed', helloSpec({ port, instances: 1, environment: 'production', strategy: { canary: { steps: [] } }, artifact: { path: changed } }))], as('dev'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/signature: the artifact has no minisign signature/);
  });

  it('applies the default production policies in CEL and lists every violation; policy test tries them without deploying', async () => {
    const unsigned = join(work, 'unsigned');
    cpSync(HELLO_DIR, unsigned, { recursive: true });
    writeFileSync(join(unsigned, 'NOTES'), 'never signed\n');
    const spec = cluster.writeSpec('policy', helloSpec({ port: await freePort(), instances: 1, environment: 'production', strategy: { rolling: {} }, artifact: { path: unsigned } }));
    const tried = await runCli(['policy', 'test', '-f', spec], as('dev'));
    expect(tried.code).toBe(1);
    expect(tried.stdout).toMatch(/✗ production-progressive-strategy/);
    expect(tried.stdout).toMatch(/✗ production-signed-artifact/);
    expect(tried.stdout).toMatch(/✓ production-no-critical-findings/);
    expect((await cluster.api('GET', '/v1/environments/production/services/policy')).status).toBe(404); // nothing was deployed
  });

  it('blocks an artifact whose lockfile has a finding at the environment\'s threshold', async () => {
    const vulnerable = join(work, 'vulnerable');
    cpSync(HELLO_DIR, vulnerable, { recursive: true });
    cpSync(join(import.meta.dirname, 'fixtures/sboms/lockfile-v3/package-lock.json'), join(vulnerable, 'package-lock.json'));
    const spec = cluster.writeSpec('vuln', helloSpec({ port: await freePort(), instances: 1, environment: 'testing', artifact: { path: vulnerable } }));
    const result = await runCli(['apply', '-f', spec], as('dev'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/vulnerabilities: testing blocks findings at critical or above; found 3: lodash@4\.17\.20 GHSA-/);
  });

  // The next three tests follow one service, crypt, through storage, export and key rotation.
  const crypt = { port: 0, marker: join(work, 'marked') };
  const cryptSpec = (version: string) =>
    cluster.writeSpec('crypt', helloSpec({ port: crypt.port, instances: 1, version, artifact: { path: crypt.marker }, run: { command: ['node', 'server.js'], env: { DB_PASSWORD: { secret: SECRET_VALUE } } } }));

  it('stores artifacts encrypted with age, never in clear', async () => {
    crypt.port = await freePort();
    cpSync(HELLO_DIR, crypt.marker, { recursive: true });
    writeFileSync(join(crypt.marker, 'MARKER.txt'), 'PLAINTEXT-MARKER-'.repeat(50));
    const applied = await cluster.cli('apply', '-f', cryptSpec('1.0.0'), '--wait');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const stored = readdirSync(join(cluster.dataDir, 'artifacts', 'sha256'));
    expect(stored.some((f) => f.endsWith('.tar.gz.age'))).toBe(true);
    expect(stored.some((f) => f.endsWith('.tar.gz'))).toBe(false);
  });

  withAge.it('exports a stored artifact that the real age tool decrypts with the server\'s key', async () => {
    const digest = (JSON.parse((await cluster.cli('history', 'crypt', '-o', 'json')).stdout) as { digest: string }[])[0]!.digest;
    const exported = join(work, 'export.age');
    expect((await cluster.cli('artifact', 'export', digest, '--out', exported)).code).toBe(0);
    const keyFile = readdirSync(join(cluster.dataDir, 'keys')).find((f) => f.endsWith('.age-key'))!;
    const tarball = execFileSync('age', ['-d', '-i', join(cluster.dataDir, 'keys', keyFile), exported]);
    expect(execFileSync('tar', ['-tz'], { input: tarball }).toString()).toMatch(/MARKER\.txt/);
  });

  it('rotates the keys: artifacts and secrets are re-encrypted without stopping anything', async () => {
    const rotated = await cluster.cli('encryption-key', 'rotate');
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/re-encrypted [1-9]\d* artifact/);
    const listed = await cluster.cli('encryption-key', 'list');
    expect(listed.stdout).toMatch(/^\* 2 /m);
    const retire = await cluster.cli('encryption-key', 'retire', '1');
    expect(retire.code, retire.stderr).toBe(0);
    // Still deployable from the re-encrypted artifact, with the re-sealed secret.
    const rolled = await cluster.cli('apply', '-f', cryptSpec('1.0.1'), '--wait');
    expect(rolled.code, rolled.stdout + rolled.stderr).toBe(0);
  });

  withAge.it('accepts an artifact encrypted with the real age tool to the server\'s recipient', async () => {
    const recipient = (await cluster.cli('artifact', 'recipient')).stdout.trim();
    expect(recipient).toMatch(/^age1/);
    const archive = join(work, 'plain.tar.gz');
    await cluster.cli('artifact', 'pack', HELLO_DIR, '--out', archive);
    execFileSync('age', ['-r', recipient, '-o', `${archive}.age`, archive]);
    const spec = cluster.writeSpec('aged', helloSpec({ port: await freePort(), instances: 1, artifact: { path: `${archive}.age` } }));
    const result = await cluster.cli('apply', '-f', spec, '--wait');
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('records every mutating call in the audit chain, and verify names the first edited entry', async () => {
    const applied = await runCli(['apply', '-f', cluster.writeSpec('audited', helloSpec({ port: await freePort(), instances: 1 })), '--wait'], as('dev'));
    expect(applied.code, applied.stderr).toBe(0);
    const list = JSON.parse((await cluster.cli('audit', 'list', '-o', 'json', '--limit', '1000')).stdout) as { seq: number; actor: string; action: string; outcome: string; from: string }[];
    expect(list.some((e) => e.actor === 'dev' && e.action === 'POST /v1/apply' && e.outcome === 'succeeded' && e.from === '127.0.0.1')).toBe(true);
    expect(list.some((e) => e.actor === 'peek' && e.outcome === 'denied')).toBe(true);
    expect((await cluster.cli('audit', 'verify')).code).toBe(0);
    const db = new Database(join(cluster.dataDir, 'cutover.db'));
    db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").run();
    db.close();
    const verify = await cluster.cli('audit', 'verify');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/entry 3 was edited/);
  });

  it('never lets a planted secret reach a log, an event, a status or any API answer', async () => {
    const planted = [SECRET_VALUE, tokens.dev!, tokens.boss!, cluster.token, readFileSync(join(cluster.dataDir, 'routers/development/crypt/admin-token'), 'utf8').trim(), readFileSync(join(cluster.dataDir, 'metrics-token'), 'utf8').trim()];
    const answers = await Promise.all(
      ['/v1/services', '/v1/environments/development/services/crypt', '/v1/environments/development/services/crypt/history', '/v1/pipelines/crypt', '/v1/events?after=0', '/v1/audit?limit=1000', '/v1/users', '/v1/environments', '/metrics'].map(async (path) => (await fetch(`${cluster.url}${path}`, { headers: { authorization: `Bearer ${cluster.token}` } })).text()),
    );
    const logs = [cluster.log(), ...readdirSync(join(cluster.dataDir, 'routers'), { recursive: true }).filter((f) => String(f).endsWith('.log')).map((f) => readFileSync(join(cluster.dataDir, 'routers', String(f)), 'utf8'))];
    const db = readFileSync(join(cluster.dataDir, 'cutover.db')).toString('latin1');
    for (const secret of planted) {
      for (const text of [...answers, ...logs]) expect(text.includes(secret), `a secret leaked into ${text.slice(0, 80)}`).toBe(false);
    }
    expect(db.includes(SECRET_VALUE)).toBe(false); // sealed at rest too
  });
});
