import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DockerEngine } from '../../src/platforms/docker/engine-api.ts';
import { isProcessAlive } from '../../src/platforms/local/proc.ts';
import { buildBaseImage, BASE_IMAGE } from '../../src/platforms/docker/base-image.ts';

/** A private Docker engine: its own data root, exec root, pid file and socket; nothing of the host's engine is touched. */
export interface PrivateEngine {
  /** `unix://…`, for DOCKER_HOST. */
  host: string;
  socket: string;
  api: DockerEngine;
  /** Removes its containers, stops the engine and deletes its folders. */
  stop(): Promise<void>;
  /**
   * SIGKILLs dockerd and its containerd and starts it again on the same
   * folders; with `liveRestore` the new engine keeps the containers that
   * still run, else it stops them.
   */
  crashAndRestart(options?: { liveRestore?: boolean }): Promise<void>;
}

export interface PrivateEngineOptions {
  /**
   * Runs the engine in this network namespace (/run/netns/NAME), entered
   * with `nsenter --net` so it keeps the host's cgroup mounts (`ip netns
   * exec` remounts /sys and hides them), and in its own UTS namespace with
   * this hostname (a swarm node's name in messages).
   */
  netns?: { name: string; hostname: string };
  /** Builds the base image once it answers. @default true (a swarm worker gets it by docker load instead) */
  baseImage?: boolean;
}

/**
 * Starts dockerd for one test file: vfs storage (no overlay mounts needed),
 * no iptables and no bridge (instances use the host's network), everything
 * under one temporary folder. Resolves once the engine answers /version and
 * has the base image (built from this host's node); rejects with the
 * engine's own last words when it cannot start.
 */
export async function startPrivateEngine(options: PrivateEngineOptions = {}): Promise<PrivateEngine> {
  const root = mkdtempSync(join(tmpdir(), 'cutover-dockerd-'));
  const socket = join(root, 'docker.sock');
  const logFile = join(root, 'dockerd.log');
  const api = new DockerEngine(socket);
  let child: ChildProcess;
  let exited: Promise<string>;
  const running = () => child.exitCode === null && child.signalCode === null;
  /** Set once stop() begins: an exit before that is the engine dying under a test, said with its last words. */
  let stopping = false;

  const launch = (extra: string[] = []): void => {
    const log = openSync(logFile, 'a');
    try {
      const args = [
        '--data-root', join(root, 'data'),
        '--exec-root', join(root, 'exec'),
        '--pidfile', join(root, 'dockerd.pid'),
        '-H', `unix://${socket}`,
        '--storage-driver', 'vfs',
        '--iptables=false',
        '--bridge=none',
        '--ip-masq=false',
        ...extra,
      ];
      const { netns } = options;
      child = netns
        ? spawn('nsenter', [`--net=/run/netns/${netns.name}`, 'unshare', '--uts', '--', 'sh', '-c', 'hostname "$0" && exec dockerd "$@"', netns.hostname, ...args], { stdio: ['ignore', log, log] })
        : spawn('dockerd', args, { stdio: ['ignore', log, log], detached: false });
    } finally {
      closeSync(log);
    }
    const started = child;
    exited = new Promise<string>((resolve) => {
      started.once('error', (error) => resolve(error.message));
      started.once('exit', (code, signal) => {
        resolve(`dockerd exited (${code ?? signal})`);
        // Twice in one session a swarm's manager engine died mid-test (ECONNREFUSED on its socket) and its log went with its folder.
        if (stopping) return;
        let words = '';
        try {
          words = lastWords(logFile);
        } catch {
          // its folder is gone already
        }
        console.warn(`the private Docker engine ${options.netns ? `of ${options.netns.hostname} ` : ''}(${root}) exited with ${code ?? signal} while in use: ${words}`);
      });
    });
  };

  /** Waits until the engine answers; throws its last words when it exits or does not answer within a minute. */
  const answering = async (): Promise<void> => {
    const deadline = Date.now() + 60_000;
    let lastError = 'it did not answer within 60 s';
    for (;;) {
      const ended = await Promise.race([exited, sleep(250).then(() => null)]);
      if (ended !== null) throw new Error(`the Docker engine (dockerd) could not start: ${lastWords(logFile) || ended}`);
      if (existsSync(socket)) {
        try {
          await api.version();
          return;
        } catch (error) {
          lastError = (error as Error).message;
        }
      }
      if (Date.now() > deadline) throw new Error(`the Docker engine (dockerd) could not start: ${lastWords(logFile) || lastError}`);
    }
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    if (running()) {
      const containers = await api.call<{ Id: string }[]>({ path: '/containers/json', query: { all: 1 } }).catch(() => []);
      for (const container of containers) await api.call({ method: 'DELETE', path: `/containers/${container.Id}`, query: { force: 1 } }).catch(() => undefined);
      child.kill('SIGTERM');
      const deadline = Date.now() + 20_000;
      while (running() && Date.now() < deadline) await sleep(100);
      if (running()) child.kill('SIGKILL');
    }
    // What this engine started and left (its containerd and shims after a crash) names its folder: stop exactly those.
    // A container's own processes do not name it: they live in the cgroup /docker/<id> of a shim's `-id <id>`,
    // and outlive a killed shim (reparented to init), so they are found by that cgroup and stopped too.
    const leftovers = processesNaming(root);
    const containerIds = leftovers.map(shimContainerId).filter((id): id is string => id !== undefined);
    for (const pid of [...leftovers, ...processesInCgroups(containerIds.map((id) => `/docker/${id}`))]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    // The engine leaves a mount or two under its exec root (netns/default): unmount them before removing.
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((line) => line.split(' ')[1] ?? '').filter((path) => path.startsWith(`${root}/`));
    for (const mount of mounts.reverse()) spawnSync('umount', ['-l', mount], { stdio: 'ignore' });
    try {
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      console.warn(`could not remove the private engine's folder ${root}: ${(error as Error).message}`);
    }
  };

  const crashAndRestart = async (options: { liveRestore?: boolean } = {}): Promise<void> => {
    // The engine and its containerd die at once, as on a crash of the machine's engine; the containers' shims live on.
    const containerd = processesNaming(root).filter((pid) => /^(\/\S*\/)?containerd\0/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')));
    child.kill('SIGKILL');
    for (const pid of containerd) process.kill(pid, 'SIGKILL');
    await exited;
    const deadline = Date.now() + 20_000;
    while (containerd.some((pid) => isProcessAlive(pid)) && Date.now() < deadline) await sleep(100);
    // dockerd 20.10 trusts containerd's pid file: a pid reused since (a busy machine) makes it wait for a containerd that is gone.
    rmSync(join(root, 'exec', 'containerd', 'containerd.pid'), { force: true });
    launch(options.liveRestore ? ['--live-restore'] : []);
    await answering();
  };

  launch();
  try {
    await answering();
    if (options.baseImage ?? true) await buildBaseImage(api, BASE_IMAGE);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host: `unix://${socket}`, socket, api, stop, crashAndRestart };
}

/** Pids whose command line names `path` (the private engine's own folder is unique to it). */
function processesNaming(path: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(path);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The container a containerd shim runs (`containerd-shim-runc-v2 -namespace moby -id <id> …`), if it is one. */
function shimContainerId(pid: number): string | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const at = args.indexOf('-id');
    return /containerd-shim/.test(args[0] ?? '') && at >= 0 && /^[0-9a-f]{12,64}$/.test(args[at + 1] ?? '') ? args[at + 1] : undefined;
  } catch {
    return undefined;
  }
}

/** Processes whose cgroup (cgroup v2: the one `0::` line) ends with one of these paths. */
function processesInCgroups(paths: string[]): number[] {
  if (paths.length === 0) return [];
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((name) => {
      try {
        const cgroup = readFileSync(`/proc/${name}/cgroup`, 'utf8').trim().split('\n').at(-1) ?? '';
        return paths.some((path) => cgroup.endsWith(path));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The engine's error lines (level=error or fatal), else its last line. */
function lastWords(logFile: string): string {
  const lines = readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean);
  const errors = lines.filter((line) => /level=(error|fatal)|^failed|Error/.test(line));
  return (errors.slice(-3).join(' | ') || lines.at(-1) || '').slice(0, 2000);
}
