import { describe, expect, it } from 'vitest';
import { authorize } from './authorize.ts';
import { ACTIONS, ROLES } from './roles.ts';
import type { Action, Grant, Identity, Role } from './roles.ts';

const SUGGESTED: Record<Action, Role> = { read: 'viewer', deploy: 'deployer', approve: 'approver', admin: 'admin' };
// Written out by hand rather than read from PERMISSIONS, so a change to the table shows up here.
const ALLOWED: Record<Role, Action[]> = {
  viewer: ['read'],
  deployer: ['read', 'deploy'],
  approver: ['read', 'approve'],
  admin: ['read', 'deploy', 'approve', 'admin'],
};

/** Every action × role × environment, for a grant on one environment, a grant on `*`, and no grant at all. */
const matrix: { grant: string; grants: Grant[]; action: Action; environment: string; allowed: boolean }[] = [];
for (const action of ACTIONS) {
  for (const environment of ['staging', 'production', '*']) {
    for (const role of ROLES) {
      const permitted = ALLOWED[role].includes(action);
      matrix.push({ grant: `${role}:staging`, grants: [{ role, environment: 'staging' }], action, environment, allowed: permitted && environment === 'staging' });
      matrix.push({ grant: `${role}:*`, grants: [{ role, environment: '*' }], action, environment, allowed: permitted });
    }
    matrix.push({ grant: 'no grant', grants: [], action, environment, allowed: false });
  }
}

describe('authorize', () => {
  it.each(matrix)('$grant: $action on $environment is allowed: $allowed', ({ grants, action, environment, allowed }) => {
    const result = authorize({ user: 'alice', grants }, action, environment);
    if (allowed) {
      expect(result).toEqual({ ok: true });
      return;
    }
    expect(result).toMatchObject({ ok: false, status: 403 });
    const { message } = result as { message: string };
    expect(message).toMatch(grants.length ? /^user alice is / : /^user alice has no role on any environment/);
    expect(message).toContain(environment === '*' ? 'every environment' : environment);
    expect(message).toContain(`; an admin can grant it with \`cutover user add alice --role ${SUGGESTED[action]}:${environment}\``);
  });

  it('allows a user with a * grant on every environment', () => {
    for (const action of ACTIONS) {
      expect(authorize({ user: 'root', grants: [{ role: 'admin', environment: '*' }] }, action, 'production')).toEqual({ ok: true });
      expect(authorize({ user: 'root', grants: [{ role: 'admin', environment: '*' }] }, action, '*')).toEqual({ ok: true });
    }
  });

  it('says where a deployer may deploy when refusing an environment it lacks', () => {
    const alice: Identity = { user: 'alice', grants: [{ role: 'deployer', environment: 'development' }, { role: 'deployer', environment: 'staging' }] };
    expect(authorize(alice, 'deploy', 'production')).toEqual({
      ok: false,
      status: 403,
      message: 'user alice is a deployer on development, staging but not on production; an admin can grant it with `cutover user add alice --role deployer:production`',
    });
  });

  it('says which roles an action takes when the user has none of them anywhere', () => {
    const bob: Identity = { user: 'bob', grants: [{ role: 'viewer', environment: '*' }, { role: 'approver', environment: 'production' }] };
    expect(authorize(bob, 'deploy', 'production')).toEqual({
      ok: false,
      status: 403,
      message: 'user bob is a viewer on every environment and an approver on production, which may not deploy; that takes deployer or admin on production; an admin can grant it with `cutover user add bob --role deployer:production`',
    });
  });

  it('refuses a user with no grant at all, and says so', () => {
    const carol: Identity = { user: 'carol', grants: [] };
    for (const action of ACTIONS) expect(authorize(carol, action, 'staging').ok).toBe(false);
    expect(authorize(carol, 'read', 'staging')).toEqual({
      ok: false,
      status: 403,
      message: 'user carol has no role on any environment, so may not read on staging; an admin can grant it with `cutover user add carol --role viewer:staging`',
    });
  });

  it('needs a * grant for what belongs to no environment, even from an admin of one', () => {
    const dave: Identity = { user: 'dave', grants: [{ role: 'admin', environment: 'production' }] };
    expect(authorize(dave, 'admin', 'production')).toEqual({ ok: true });
    expect(authorize(dave, 'admin', '*')).toEqual({
      ok: false,
      status: 403,
      message: 'user dave is an admin on production but not on every environment; an admin can grant it with `cutover user add dave --role admin:*`',
    });
  });
});
