import { describe, expect, it } from 'vitest';
import { CutoverError } from '../core/errors.ts';
import type { ServiceSpec } from '../spec/types.ts';
import { parseEnvironments } from './config.ts';
import { checkDeployment, type DeploymentFacts } from './validate.ts';
import { insideWindows } from './windows.ts';

describe('environments config', () => {
  it('has the four predefined environments with production the strictest', () => {
    const envs = parseEnvironments(undefined);
    expect(Object.keys(envs)).toEqual(['development', 'testing', 'staging', 'production']);
    expect(envs.production).toMatchObject({ strategies: ['canary', 'blueGreen'], requiresSuccessIn: 'staging', approvalRequired: true, signatureRequired: true, blockVulnerabilitiesAt: 'critical' });
  });

  it('overrides a predefined environment field by field and adds new ones that extend another', () => {
    const envs = parseEnvironments({ production: { instances: { max: 4 } }, perf: { extends: 'staging', keepRevisions: 3 } });
    expect(envs.production!.instances).toEqual({ min: 2, max: 4 });
    expect(envs.production!.strategies).toEqual(['canary', 'blueGreen']);
    expect(envs.perf).toMatchObject({ name: 'perf', blockVulnerabilitiesAt: 'high', keepRevisions: 3 });
  });

  it('runs an environment on the simulated platform only when its own entry asks, never through extends', () => {
    const envs = parseEnvironments({ sim: { extends: 'development', platform: 'simulated' }, after: { extends: 'sim' } });
    expect(envs.sim!.platform).toBe('simulated');
    expect(envs.after!.platform).toBeUndefined();
    expect(envs.development!.platform).toBeUndefined();
  });

  it('runs an environment on docker with its image, inherited through extends unless the child says local', () => {
    const envs = parseEnvironments({ staging: { platform: 'docker', image: 'cutover/base-node:20' }, qa: { extends: 'staging' }, laptop: { extends: 'staging', platform: 'local' } });
    expect(envs.staging).toMatchObject({ platform: 'docker', image: 'cutover/base-node:20' });
    expect(envs.qa).toMatchObject({ platform: 'docker', image: 'cutover/base-node:20' });
    expect(envs.laptop!.platform).toBeUndefined();
    expect(envs.production!.platform).toBeUndefined();
  });

  it('refuses the simulated platform for production, what extends it, and environments that require approval or signatures', () => {
    const refused = (config: Record<string, unknown>) => {
      try {
        parseEnvironments(config);
      } catch (error) {
        return (error as CutoverError).problems.map((p) => p.path);
      }
      return [];
    };
    expect(refused({ production: { platform: 'simulated' } })).toEqual(['environments.production.platform']);
    expect(refused({ prod2: { extends: 'production', approvalRequired: false, signatureRequired: false, platform: 'simulated' } })).toEqual(['environments.prod2.platform']);
    expect(refused({ eu: { extends: 'production' }, eu2: { extends: 'eu', approvalRequired: false, signatureRequired: false, platform: 'simulated' } })).toEqual(['environments.eu2.platform']);
    expect(refused({ gated: { extends: 'staging', approvalRequired: true, platform: 'simulated' } })).toEqual(['environments.gated.platform']);
    expect(refused({ signed: { signatureRequired: true, platform: 'simulated' } })).toEqual(['environments.signed.platform']);
  });

  it('names every wrong field at once', () => {
    try {
      parseEnvironments({ qa: { extends: 'nowhere' }, production: { strategies: ['recreate'], instances: { min: 0 } } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CutoverError);
      expect((error as CutoverError).problems.map((p) => p.path).sort()).toEqual(['environments.production.instances.min', 'environments.production.strategies[0]']);
    }
    expect(() => parseEnvironments({ qa: { extends: 'nowhere' } })).toThrow(/environments config is not valid/);
  });
});

describe('deploy windows', () => {
  const weekdays = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00', timezone: 'UTC' as const }];
  it('are open inside a window and closed outside, in UTC', () => {
    expect(insideWindows(weekdays, new Date('2026-11-26T10:00:00Z'))).toBe(true); // a Thursday
    expect(insideWindows(weekdays, new Date('2026-11-26T17:00:00Z'))).toBe(false);
    expect(insideWindows(weekdays, new Date('2026-11-28T10:00:00Z'))).toBe(false); // a Saturday
    expect(insideWindows([], new Date())).toBe(true);
  });
});

describe('checkDeployment', () => {
  const spec = { instances: 3, strategy: { type: 'rolling' } } as ServiceSpec;
  const facts: DeploymentFacts = { succeededIn: [], ports: [{ field: 'spec.port', port: 8080, ok: true }], disk: { free: 10, needed: 5 }, now: new Date('2026-11-26T10:00:00Z') };

  it('lists every failed check, not just the first', () => {
    const production = parseEnvironments(undefined).production!;
    const failed = checkDeployment({ ...production, instances: { min: 5, max: 10 } }, spec, { ...facts, disk: { free: 1, needed: 5 }, ports: [{ field: 'spec.port', port: 8080, ok: false, owner: 'other' }] }).filter((r) => !r.ok);
    expect(failed.map((r) => r.check)).toEqual(['instances', 'strategy', 'promotion', 'port', 'disk']);
    expect(failed.find((r) => r.check === 'port')!.message).toBe('spec.port 8080 is used by service other; choose another port');
  });

  it('passes a deployment that meets every rule', () => {
    const development = parseEnvironments(undefined).development!;
    expect(checkDeployment(development, spec, facts).every((r) => r.ok)).toBe(true);
  });
});
