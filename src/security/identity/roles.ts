/**
 * Who may do what. Roles are listed from least to most trusted, but the
 * permissions are a table rather than a ladder: an approver may approve and
 * read but not deploy, so the person who ships a release is not the one who
 * signs it off.
 */
export const ROLES = ['viewer', 'deployer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = ['read', 'deploy', 'approve', 'admin'] as const;
/**
 * - `read`: status, history, logs, events.
 * - `deploy`: apply, rollback, promote, abort, lock and unlock.
 * - `approve`: approve or reject a held deployment.
 * - `admin`: users, tokens, keys and server config.
 */
export type Action = (typeof ACTIONS)[number];

export const PERMISSIONS: Record<Action, readonly Role[]> = {
  read: ['viewer', 'deployer', 'approver', 'admin'],
  deploy: ['deployer', 'admin'],
  approve: ['approver', 'admin'],
  admin: ['admin'],
};

/** Every environment, in a grant; in a check, something that belongs to no one environment (users, keys, config). */
export const ALL_ENVIRONMENTS = '*';

/** A role on one environment, or on all of them with `*`. */
export interface Grant {
  role: Role;
  environment: string;
}

/** Who is asking, as authentication found them. */
export interface Identity {
  user: string;
  grants: readonly Grant[];
}

/** True when a grant covers the environment. Checking `*` asks for a `*` grant: being admin of one environment does not make anyone admin of users or config. */
export function covers(grant: Grant, environment: string): boolean {
  return grant.environment === ALL_ENVIRONMENTS || grant.environment === environment;
}

/** True when one of the grants allows the action on the environment. */
export function can(grants: readonly Grant[], action: Action, environment: string): boolean {
  const allowed = PERMISSIONS[action];
  return grants.some((grant) => allowed.includes(grant.role) && covers(grant, environment));
}

/** The least trusted role that allows the action: the one to suggest granting. */
export function leastRoleFor(action: Action): Role {
  return ROLES.find((role) => PERMISSIONS[action].includes(role))!;
}
