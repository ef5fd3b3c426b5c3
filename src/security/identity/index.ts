/**
 * Identities: users, their roles per environment, API tokens and the keys
 * that sign their requests; and the one check every API call goes through.
 */
export { ACTIONS, ALL_ENVIRONMENTS, PERMISSIONS, ROLES, can } from './roles.ts';
export type { Action, Grant, Identity, Role } from './roles.ts';
export { authorize } from './authorize.ts';
export type { Authorization } from './authorize.ts';
export { IdentityStore } from './identity-store.ts';
export type { AddedKey, IdentityStoreOptions, KeySummary, UserSummary } from './identity-store.ts';
export { KEY_ALGORITHMS } from './keys.ts';
export type { KeyAlgorithm, NewKey, UserKey } from './keys.ts';
export { checkGrant, checkUserName, formatGrant, parseGrant } from './names.ts';
export { TOKEN_PREFIX, hashToken } from './tokens.ts';
export { BOOTSTRAP_ADMIN, ensureBootstrapAdmin } from './bootstrap.ts';
export type { BootstrapResult } from './bootstrap.ts';
export { IDENTITY_SCHEMA } from './schema.ts';
