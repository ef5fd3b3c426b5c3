import { execFileSync } from 'node:child_process';
import { CutoverError, ErrorCode } from '../../core/errors.ts';

export interface Account {
  uid: number;
  gid: number;
  user: string;
  home: string;
}

/** One entry of the system's user or group database (NSS, through getent), or null. */
function getent(database: 'passwd' | 'group', key: string): string[] | null {
  try {
    return execFileSync('getent', [database, key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0]!.split(':');
  } catch {
    return null;
  }
}

/**
 * The uid and gid deployer code runs as. Root (uid or gid 0) is refused: it
 * would give the deployer's code the control plane's privileges back.
 */
export function resolveAccount(user: string, group: string, where: string): Account {
  const passwd = getent('passwd', user);
  if (!passwd) throw new CutoverError(ErrorCode.InvalidConfig, `${where}: no user "${user}" on this machine; create it (useradd --system ${user}) or name an existing unprivileged user`, { context: { field: where } });
  const groupEntry = getent('group', group);
  if (!groupEntry) throw new CutoverError(ErrorCode.InvalidConfig, `${where}: no group "${group}" on this machine; create it (groupadd --system ${group}) or name an existing group`, { context: { field: where } });
  const account = { uid: Number(passwd[2]), gid: Number(groupEntry[2]), user: passwd[0]!, home: passwd[5] || '/nonexistent' };
  if (account.uid === 0 || account.gid === 0) {
    throw new CutoverError(ErrorCode.InvalidConfig, `${where}: deployer code must not run as root (user ${user}, group ${group}); name an unprivileged user and group`, { context: { field: where } });
  }
  return account;
}
