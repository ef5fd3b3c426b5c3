import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { ApiClient } from '../client.ts';
import { EXIT, table } from '../output.ts';

interface UserView {
  name: string;
  grants: { role: string; environment: string }[];
  keys?: { keyid: string; alg: string; revoked?: boolean }[];
  tokens?: number;
}

export async function userAdd(client: ApiClient, name: string, options: { role: string[]; token?: boolean }): Promise<number> {
  const result = await client.request<{ user: UserView; token?: string }>('POST', '/v1/users', { name, roles: options.role, ...(options.token ? { token: true } : {}) });
  process.stdout.write(`user ${name}: ${result.user.grants.map((g) => `${g.role}:${g.environment}`).join(', ') || 'no roles'}\n`);
  if (result.token) process.stdout.write(`token (shown once; the server keeps only its hash): ${result.token}\n`);
  return EXIT.ok;
}

export async function userList(client: ApiClient, options: { output: string }): Promise<number> {
  const { users } = await client.request<{ users: UserView[] }>('GET', '/v1/users');
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
    return EXIT.ok;
  }
  process.stdout.write(
    `${table(
      ['USER', 'ROLES', 'KEYS'],
      users.map((u) => [u.name, u.grants.map((g) => `${g.role}:${g.environment}`).join(', '), (u.keys ?? []).filter((k) => !k.revoked).map((k) => k.keyid).join(', ') || '-']),
    )}\n`,
  );
  return EXIT.ok;
}

/**
 * `cutover key add USER`: an Ed25519 key pair made here (the private key is
 * written to --out with mode 0600 and never leaves this machine; the server
 * gets the public key), or an HMAC secret made by the server and shown once.
 */
export async function keyAdd(client: ApiClient, user: string, options: { alg: string; out: string; keyid?: string }): Promise<number> {
  if (options.alg === 'ed25519') {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const added = await client.request<{ keyid: string }>('POST', `/v1/users/${encodeURIComponent(user)}/keys`, {
      alg: 'ed25519',
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      ...(options.keyid ? { keyid: options.keyid } : {}),
    });
    await writeFile(options.out, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    process.stdout.write(`key ${added.keyid} (ed25519) for ${user}; private key in ${options.out}\nsign with: export CUTOVER_KEY_ID=${added.keyid} CUTOVER_KEY_FILE=${options.out}\n`);
    return EXIT.ok;
  }
  const added = await client.request<{ keyid: string; secret: string }>('POST', `/v1/users/${encodeURIComponent(user)}/keys`, { alg: 'hmac-sha256', ...(options.keyid ? { keyid: options.keyid } : {}) });
  await writeFile(options.out, `${added.secret}\n`, { mode: 0o600 });
  process.stdout.write(`key ${added.keyid} (hmac-sha256) for ${user}; secret in ${options.out}\nsign with: export CUTOVER_KEY_ID=${added.keyid} CUTOVER_KEY_FILE=${options.out}\n`);
  return EXIT.ok;
}

interface AuditEntryView {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  status?: number;
  from: string;
}

export async function auditList(client: ApiClient, options: { output: string; limit: string }): Promise<number> {
  const { entries } = await client.request<{ entries: AuditEntryView[] }>('GET', `/v1/audit?limit=${Number(options.limit) || 100}`);
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return EXIT.ok;
  }
  process.stdout.write(`${table(['SEQ', 'WHEN', 'WHO', 'WHAT', 'TARGET', 'OUTCOME', 'FROM'], entries.map((e) => [String(e.seq), e.at.replace('T', ' ').slice(0, 19), e.actor, e.action, e.target, `${e.outcome}${e.status ? ` ${e.status}` : ''}`, e.from]))}\n`);
  return EXIT.ok;
}

export async function auditVerify(client: ApiClient): Promise<number> {
  const result = await client.request<{ ok: boolean; entries?: number; message?: string }>('GET', '/v1/audit/verify');
  if (result.ok) {
    process.stdout.write(`audit log intact: ${result.entries} entries, each linked to the one before\n`);
    return EXIT.ok;
  }
  process.stdout.write(`audit log TAMPERED: ${result.message}\n`);
  return EXIT.failed;
}
