import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { ALL_ENVIRONMENTS, ROLES } from './roles.ts';
import type { Grant, Role } from './roles.ts';

const USER_NAME = /^[a-z0-9._-]{1,64}$/;
// The same rule as environment names in the config file, so a grant can name any environment that can exist.
const ENVIRONMENT_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// keyid travels inside a structured-field string in Signature-Input; keep it to characters that need no escaping anywhere.
const KEYID = /^[A-Za-z0-9._:@+/=-]{1,128}$/;

function invalid(field: string, message: string): CutoverError {
  return new CutoverError(ErrorCode.InvalidRequest, `${field}: ${message}`, { context: { field }, problems: [{ path: field, message }] });
}

export function checkUserName(name: string, field = 'user'): void {
  if (!USER_NAME.test(name)) throw invalid(field, `"${name}" is not a user name; use 1 to 64 of a-z, 0-9, ".", "_" and "-"`);
}

export function checkKeyid(keyid: string, field = 'keyid'): void {
  if (!KEYID.test(keyid)) throw invalid(field, `"${keyid}" is not a keyid; use 1 to 128 of letters, digits and . _ : @ + / = -`);
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Checks a grant that came from outside (API body, config), naming the field of each problem. */
export function checkGrant(grant: { role: string; environment: string }, field = 'grant'): Grant {
  if (!isRole(grant.role)) throw invalid(`${field}.role`, `"${grant.role}" is not a role; expected one of ${ROLES.join(', ')}`);
  if (grant.environment !== ALL_ENVIRONMENTS && !ENVIRONMENT_NAME.test(grant.environment)) {
    throw invalid(`${field}.environment`, `"${grant.environment}" is not an environment name; use lowercase letters, digits and "-", or "*" for every environment`);
  }
  return { role: grant.role, environment: grant.environment };
}

/** `deployer:production` → { role: 'deployer', environment: 'production' }; a bare role means every environment. */
export function parseGrant(text: string, field = 'role'): Grant {
  const [role = '', environment = ALL_ENVIRONMENTS, extra] = text.split(':');
  if (extra !== undefined) throw invalid(field, `"${text}" should be role:environment, like deployer:production`);
  return checkGrant({ role, environment }, field);
}

/** The inverse of parseGrant, as the CLI writes it. */
export function formatGrant(grant: Grant): string {
  return `${grant.role}:${grant.environment}`;
}
