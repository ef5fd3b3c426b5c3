import { describe, expect, it } from 'vitest';
import { CutoverError } from '../../core/errors.ts';
import { parseIsolationConfig } from './config.ts';
import { Sandbox } from './sandbox.ts';

const warnings: string[] = [];
const log = { info: () => undefined, warn: (...args: unknown[]) => void warnings.push(String(args.at(-1))) };
const paths = { hidden: ['/srv/data'], revisionsDir: '/srv/data-revisions' };
const open = (mode: string, machine: { root: boolean; bwrap: boolean }) =>
  Sandbox.open(parseIsolationConfig({ mode }), paths, log, { root: machine.root, bubblewrapWorks: () => machine.bwrap });
const run = (environment: string) => ({ environment, command: ['node', 'server.js'], dir: '/srv/data-revisions/web/3', env: { PORT: '8080' } });

describe('choosing how deployer code is isolated', () => {
  it('auto is user as root, bubblewrap elsewhere when bwrap works, and development only when neither works', () => {
    expect(open('auto', { root: true, bwrap: true }).isolation).toBe('user');
    expect(open('auto', { root: false, bwrap: true }).isolation).toBe('bubblewrap');
    expect(open('auto', { root: false, bwrap: false }).isolation).toBe('development-only');
    expect(warnings.at(-1)).toMatch(/INSECURE: deployer code cannot be isolated here/);
  });

  it('without isolation, refuses every environment but development, saying what to install or set', () => {
    const sandbox = open('auto', { root: false, bwrap: false });
    expect(sandbox.plan(run('development'))).toMatchObject({ program: 'node', args: ['server.js'] });
    expect(() => sandbox.plan(run('production'))).toThrow(CutoverError);
    expect(() => sandbox.plan(run('production'))).toThrow(/code of environment production cannot run on this server: .*bubblewrap.*isolation.mode: none/);
  });

  it('a configured mode the machine cannot provide stops the server instead of running code unisolated', () => {
    expect(() => open('user', { root: false, bwrap: true })).toThrow(/isolation.mode is user, but the server does not run as root/);
    expect(() => open('bubblewrap', { root: true, bwrap: false })).toThrow(/isolation.mode is bubblewrap, but bwrap does not run here/);
  });

  it('user mode runs as the unprivileged account, never root, with no variable of the server but PATH, locale and temp dir', () => {
    const plan = open('user', { root: true, bwrap: false }).plan(run('staging'));
    expect(plan).toMatchObject({ program: 'node', uid: 65534, gid: 65534, cwd: '/srv/data-revisions/web/3' });
    expect(Object.keys(plan.env).sort()).toEqual(expect.arrayContaining(['HOME', 'PORT', 'USER']));
    expect(Object.keys(plan.env).filter((key) => !['HOME', 'PORT', 'USER', 'PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'].includes(key))).toEqual([]);
    expect(() => Sandbox.open(parseIsolationConfig({ user: 'root', group: 'root' }), paths, log, { root: true, bubblewrapWorks: () => false })).toThrow(/must not run as root/);
    expect(() => Sandbox.open(parseIsolationConfig({ user: 'no-such-user-xyz' }), paths, log, { root: true, bubblewrapWorks: () => false })).toThrow(/no user "no-such-user-xyz"/);
  });

  it('bubblewrap hides the revisions but the one it runs, and shows that one read-only', () => {
    const plan = open('bubblewrap', { root: false, bwrap: true }).plan(run('staging'));
    expect(plan.program).toBe('bwrap');
    const args = plan.args.join(' ');
    expect(args).toContain('--tmpfs /srv/data-revisions --ro-bind /srv/data-revisions/web/3 /srv/data-revisions/web/3');
    expect(args).toContain('--unshare-pid');
    expect(args).toContain('--cap-drop ALL');
    expect(plan.args.slice(plan.args.indexOf('--'))).toEqual(['--', 'node', 'server.js']);
  });

  it('mode none is the loud opt-out: every environment runs', () => {
    expect(open('none', { root: false, bwrap: false }).plan(run('production'))).toMatchObject({ program: 'node' });
    expect(warnings.at(-1)).toMatch(/INSECURE: isolation.mode is none/);
  });
});
