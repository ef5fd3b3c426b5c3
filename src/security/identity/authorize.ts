import { ALL_ENVIRONMENTS, PERMISSIONS, ROLES, can, covers, leastRoleFor } from './roles.ts';
import type { Action, Grant, Identity, Role } from './roles.ts';

export type Authorization = { ok: true } | { ok: false; status: 403; message: string };

/** How each action reads in a sentence ("… may not deploy on production"). */
const DOING: Record<Action, string> = {
  read: 'read',
  deploy: 'deploy',
  approve: 'approve deployments',
  admin: 'administer users, keys and config',
};

const article = (role: Role): string => (/^[aeiou]/.test(role) ? 'an' : 'a');
const where = (environment: string): string => (environment === ALL_ENVIRONMENTS ? 'every environment' : environment);

/** "a deployer on development, staging and an admin on every environment" */
function describe(grants: readonly Grant[]): string {
  return ROLES.flatMap((role) => {
    const environments = grants.filter((grant) => grant.role === role).map((grant) => where(grant.environment));
    return environments.length ? [`${article(role)} ${role} on ${environments.join(', ')}`] : [];
  }).join(' and ');
}

/**
 * Whether the identity may take the action on the environment (`*` for what
 * belongs to no environment: users, keys, config). A refusal says what the
 * user has, what is missing, and the command that would grant it.
 */
export function authorize(identity: Identity, action: Action, environment: string): Authorization {
  if (can(identity.grants, action, environment)) return { ok: true };
  const { user, grants } = identity;
  const needed = leastRoleFor(action);
  const fix = `an admin can grant it with \`cutover user add ${user} --role ${needed}:${environment}\``;
  const allowedElsewhere = grants.filter((grant) => PERMISSIONS[action].includes(grant.role) && !covers(grant, environment));
  let situation: string;
  if (grants.length === 0) {
    situation = `user ${user} has no role on any environment, so may not ${DOING[action]} on ${where(environment)}`;
  } else if (allowedElsewhere.length > 0) {
    situation = `user ${user} is ${describe(allowedElsewhere)} but not on ${where(environment)}`;
  } else {
    const roles = PERMISSIONS[action].join(' or ');
    situation = `user ${user} is ${describe(grants)}, which may not ${DOING[action]}; that takes ${roles} on ${where(environment)}`;
  }
  return { ok: false, status: 403, message: `${situation}; ${fix}` };
}
