import { describe, expect, it } from 'vitest';
import { ACTIONS, can, leastRoleFor } from './roles.ts';
import type { Grant } from './roles.ts';

describe('can', () => {
  // The full action × role × environment table is in authorize.test.ts.
  it('counts a grant on one environment there only, and checking * asks for a * grant', () => {
    const staging: Grant[] = [{ role: 'admin', environment: 'staging' }];
    expect(can(staging, 'deploy', 'staging')).toBe(true);
    expect(can(staging, 'deploy', 'production')).toBe(false);
    expect(can(staging, 'admin', '*')).toBe(false);
    expect(can([{ role: 'admin', environment: '*' }], 'admin', '*')).toBe(true);
  });

  it('allows an action when any one of several grants allows it', () => {
    const grants: Grant[] = [
      { role: 'viewer', environment: '*' },
      { role: 'deployer', environment: 'staging' },
      { role: 'approver', environment: 'production' },
    ];
    expect(can(grants, 'deploy', 'staging')).toBe(true);
    expect(can(grants, 'deploy', 'production')).toBe(false);
    expect(can(grants, 'approve', 'production')).toBe(true);
    expect(can(grants, 'read', 'testing')).toBe(true);
  });

  it('does not let an approver deploy, nor a deployer approve', () => {
    expect(can([{ role: 'approver', environment: '*' }], 'deploy', 'production')).toBe(false);
    expect(can([{ role: 'deployer', environment: '*' }], 'approve', 'production')).toBe(false);
  });
});

describe('leastRoleFor', () => {
  it('suggests the least trusted role that allows each action', () => {
    expect(ACTIONS.map(leastRoleFor)).toEqual(['viewer', 'deployer', 'approver', 'admin']);
  });
});
