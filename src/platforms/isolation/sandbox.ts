import { execFileSync } from 'node:child_process';
import { chmod, chown, lstat, readdir } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import type { Logger } from '../../monitoring/logger.ts';
import type { CommandSandbox, SandboxedRun, SpawnPlan } from '../../core/run-command.ts';
import { resolveAccount, type Account } from './accounts.ts';
import type { IsolationConfig } from './config.ts';

/** How isolation works on this server, once resolved from the config and what the machine allows. */
export type EffectiveIsolation = 'user' | 'bubblewrap' | 'development-only' | 'none';

/** Variables of the server's own environment that deployer code inherits; nothing else (no tokens) leaks. */
const INHERITED = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];
const UNISOLATED_ENVIRONMENT = 'development';

function inherited(): Record<string, string> {
  return Object.fromEntries(INHERITED.flatMap((key) => (process.env[key] ? [[key, process.env[key]!]] : [])));
}

/** Whether bwrap runs here (installed, and user namespaces allowed): one sandbox that runs `true`. */
export function bubblewrapWorks(): boolean {
  try {
    execFileSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', '--', 'true'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs deployer code (instances, command hooks, `command` providers) away
 * from the control plane's privileges: as another user when the server is
 * root, in a bubblewrap sandbox otherwise. Whatever the mode, the code's
 * environment never names the data dir or a secret path.
 */
export class Sandbox implements CommandSandbox {
  private readonly accounts = new Map<string, Account>();

  private constructor(
    readonly isolation: EffectiveIsolation,
    private readonly config: IsolationConfig,
    /** Folders and files deployer code must never see: the data dir, the config file, key files. */
    private readonly hidden: readonly string[],
    /** Where revisions are unpacked: hidden too, except the revision an instance runs. */
    readonly revisionsDir: string,
  ) {}

  /**
   * Chooses the isolation: the configured mode, or for `auto` the best this
   * machine allows. A mode the machine cannot provide stops the server,
   * rather than running deployer code with its privileges.
   */
  static open(
    config: IsolationConfig,
    paths: { hidden: string[]; revisionsDir: string },
    log: Pick<Logger, 'info' | 'warn'>,
    /** What this machine allows (the tests walk every case). */
    machine: { root: boolean; bubblewrapWorks: () => boolean } = { root: process.getuid?.() === 0, bubblewrapWorks },
  ): Sandbox {
    const root = machine.root;
    let isolation: EffectiveIsolation;
    switch (config.mode) {
      case 'user':
        if (!root) throw new CutoverError(ErrorCode.InvalidConfig, 'isolation.mode is user, but the server does not run as root and cannot switch users; run it as root, or use mode bubblewrap (install the Debian package bubblewrap)');
        isolation = 'user';
        break;
      case 'bubblewrap':
        if (!machine.bubblewrapWorks()) throw new CutoverError(ErrorCode.InvalidConfig, 'isolation.mode is bubblewrap, but bwrap does not run here; install the Debian package bubblewrap and allow unprivileged user namespaces, or run the server as root (mode user)');
        isolation = 'bubblewrap';
        break;
      case 'none':
        isolation = 'none';
        break;
      case 'auto':
        isolation = root ? 'user' : machine.bubblewrapWorks() ? 'bubblewrap' : 'development-only';
        break;
      default: {
        const never: never = config.mode;
        throw new CutoverError(ErrorCode.InvalidConfig, `unknown isolation.mode ${String(never)}`);
      }
    }
    const sandbox = new Sandbox(isolation, config, paths.hidden, paths.revisionsDir);
    if (isolation === 'user') {
      sandbox.accountFor(UNISOLATED_ENVIRONMENT);
      for (const environment of Object.keys(config.environments)) sandbox.accountFor(environment);
    }
    if (isolation === 'none') {
      log.warn({ isolation }, 'INSECURE: isolation.mode is none: instances, hooks and command providers of EVERY environment run as the server itself and can read its data dir (admin token, database, keys); any deployer can become admin');
    } else if (isolation === 'development-only') {
      log.warn({ isolation }, 'INSECURE: deployer code cannot be isolated here (not root, and bwrap does not run): development runs unisolated and can read the data dir; other environments are refused. Install bubblewrap or run the server as root');
    } else {
      log.info({ isolation, revisionsDir: paths.revisionsDir }, 'deployer code runs isolated');
    }
    return sandbox;
  }

  /** The account an environment's code runs as in `user` mode. */
  private accountFor(environment: string): Account {
    let account = this.accounts.get(environment);
    if (!account) {
      const own = this.config.environments[environment] ?? {};
      account = resolveAccount(own.user ?? this.config.runAs.user, own.group ?? this.config.runAs.group, this.config.environments[environment] ? `isolation.environments.${environment}` : 'isolation');
      this.accounts.set(environment, account);
    }
    return account;
  }

  /**
   * The uid and gid an environment's containers run as: its account in
   * `user` mode (revisions are readable by it), else the server's own user
   * when that is not root (revisions are private to it), else nobody (65534).
   */
  containerAccount(environment: string): { uid: number; gid: number } {
    if (this.isolation === 'user') {
      const { uid, gid } = this.accountFor(environment);
      return { uid, gid };
    }
    const uid = process.getuid?.() ?? 65534;
    return uid === 0 ? { uid: 65534, gid: 65534 } : { uid, gid: process.getgid?.() ?? 65534 };
  }

  /** What to spawn for `run`; throws when its environment's code may not run on this server. */
  plan(run: SandboxedRun): SpawnPlan {
    const [program, ...args] = run.command;
    if (!program) throw new CutoverError(ErrorCode.InvalidSpec, 'the command is empty; give the program to run and its arguments');
    switch (this.isolation) {
      case 'user': {
        const account = this.accountFor(run.environment);
        return { program, args, cwd: run.dir, uid: account.uid, gid: account.gid, env: { ...inherited(), HOME: account.home, USER: account.user, ...run.env } };
      }
      case 'bubblewrap':
        return { program: 'bwrap', args: [...this.bubblewrapArgs(run.dir), '--', program, ...args], cwd: '/', env: { ...inherited(), HOME: '/', ...run.env } };
      case 'development-only':
        if (run.environment !== UNISOLATED_ENVIRONMENT) {
          throw new CutoverError(
            ErrorCode.DeploymentRejected,
            `code of environment ${run.environment} cannot run on this server: it cannot isolate deployer code (not root, and bwrap does not run); install the Debian package bubblewrap, run the server as root, or set isolation.mode: none in the server config to accept the risk`,
            { context: { environment: run.environment } },
          );
        }
        return { program, args, cwd: run.dir, env: { ...inherited(), ...run.env } };
      case 'none':
        return { program, args, cwd: run.dir, env: { ...inherited(), ...run.env } };
    }
  }

  /**
   * The sandbox: the machine read-only, /tmp shared as for any user, a
   * private /proc (other processes and their files invisible), the data dir,
   * the other revisions, the server user's home and each secret path hidden
   * under empty tmpfs, the revision read-only, no capabilities.
   */
  private bubblewrapArgs(dir: string): string[] {
    const hide = this.hidden.flatMap((path) => {
      if (this.hidden.some((other) => other !== path && isInside(path, other))) return [];
      if (!existsSync(path)) return [];
      return statSync(path).isDirectory() ? ['--tmpfs', path] : ['--ro-bind', '/dev/null', path];
    });
    const home = process.env.HOME && process.env.HOME !== '/' ? ['--tmpfs', process.env.HOME] : [];
    const show = dir === '/' ? [] : ['--ro-bind', dir, dir];
    return [
      '--ro-bind', '/', '/',
      '--dev', '/dev',
      '--proc', '/proc',
      '--bind-try', '/tmp', '/tmp',
      ...home,
      ...hide,
      '--tmpfs', this.revisionsDir,
      ...show,
      '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
      '--cap-drop', 'ALL',
      '--chdir', dir,
    ];
  }

  /**
   * Makes a freshly unpacked revision readable by its environment's account
   * and by no one else: owned by root and the account's group, no setuid or
   * setgid bits, nothing writable. Other modes keep it private to the server's user.
   */
  async grant(dir: string, environment: string): Promise<void> {
    const account = this.isolation === 'user' ? this.accountFor(environment) : null;
    const walk = async (path: string): Promise<void> => {
      const stat = await lstat(path);
      if (stat.isSymbolicLink()) return;
      const executable = stat.isDirectory() || (stat.mode & 0o111) !== 0;
      if (account) await chown(path, 0, account.gid);
      await chmod(path, account ? (executable ? 0o750 : 0o640) : executable ? 0o700 : 0o600);
      if (stat.isDirectory()) for (const entry of await readdir(path)) await walk(join(path, entry));
    };
    await walk(dir);
  }

  /** Revisions root and service folders: traversable by the accounts in `user` mode, never listable. */
  get folderMode(): number {
    return this.isolation === 'user' ? 0o711 : 0o700;
  }
}

/** Whether `child` is `parent` or lies inside it. */
export function isInside(child: string, parent: string): boolean {
  const path = relative(parent, child);
  return !path || (!path.startsWith('..') && !isAbsolute(path));
}
