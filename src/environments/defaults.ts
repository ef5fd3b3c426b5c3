import type { Environment } from './types.ts';

const base: Omit<Environment, 'name' | 'description'> = {
  instances: { min: 1, max: 100 },
  strategies: ['rolling', 'blueGreen', 'canary'],
  requiresSuccessIn: null,
  approvalRequired: false,
  signatureRequired: false,
  blockVulnerabilitiesAt: 'none',
  deployWindows: [],
  hooks: {},
  keepRevisions: 10,
  trustedKeys: [],
  outbound: { allow: [] },
};

/**
 * The four environments every server knows. Sensible for a small team:
 * development is free-form, each later stage is stricter, and production
 * accepts only progressive strategies, signed, approved, scanned releases
 * that passed staging. A config file overrides or extends them.
 */
export const DEFAULT_ENVIRONMENTS: Record<string, Environment> = {
  development: { ...base, name: 'development', description: 'Free-form: any strategy, no gates.', instances: { min: 1, max: 10 } },
  testing: { ...base, name: 'testing', description: 'Automated tests; blocks critical vulnerabilities.', instances: { min: 1, max: 10 }, blockVulnerabilitiesAt: 'critical' },
  staging: {
    ...base,
    name: 'staging',
    description: 'Production-like; blocks high and critical vulnerabilities.',
    instances: { min: 2, max: 50 },
    blockVulnerabilitiesAt: 'high',
  },
  production: {
    ...base,
    name: 'production',
    description: 'Canary or blue-green only, after staging, approved, signed, no critical finding.',
    instances: { min: 2, max: 100 },
    strategies: ['canary', 'blueGreen'],
    requiresSuccessIn: 'staging',
    approvalRequired: true,
    signatureRequired: true,
    blockVulnerabilitiesAt: 'critical',
  },
};
