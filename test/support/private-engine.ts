import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DockerEngine } from '../../src/platforms/docker/engine-api.ts';
import { buildBaseImage, BASE_IMAGE } from '../../src/platforms/docker/base-image.ts';

/** A private Docker engine: its own data root, exec root, pid file and socket; nothing of the host's engine is touched. */
export interface PrivateEngine {
  /** `unix://…`, for DOCKER_HOST. */
  host: string;
  socket: string;
  api: DockerEngine;
  /** Removes its containers, stops the engine and deletes its folders. */
  stop(): Promise<void>;
}

/**
 * Starts dockerd for one test file: vfs storage (no overlay mounts needed),
 * no iptables and no bridge (instances use the host's network), everything
 * under one temporary folder. Resolves once the engine answers /version and
 * has the base image (built from this host's node); rejects with the
 * engine's own last words when it cannot start.
 */
export async function startPrivateEngine(): Promise<PrivateEngine> {
  const root = mkdtempSync(join(tmpdir(), 'cutover-dockerd-'));
  const socket = join(root, 'docker.sock');
  const logFile = join(root, 'dockerd.log');
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      'dockerd',
      [
        '--data-root', join(root, 'data'),
        '--exec-root', join(root, 'exec'),
        '--pidfile', join(root, 'dockerd.pid'),
        '-H', `unix://${socket}`,
        '--storage-driver', 'vfs',
        '--iptables=false',
        '--bridge=none',
        '--ip-masq=false',
      ],
      { stdio: ['ignore', log, log], detached: false },
    );
  } finally {
    closeSync(log);
  }
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(error.message));
    child.once('exit', (code, signal) => resolve(`dockerd exited (${code ?? signal})`));
  });
  const api = new DockerEngine(socket);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const containers = await api.call<{ Id: string }[]>({ path: '/containers/json', query: { all: 1 } }).catch(() => []);
      for (const container of containers) await api.call({ method: 'DELETE', path: `/containers/${container.Id}`, query: { force: 1 } }).catch(() => undefined);
      child.kill('SIGTERM');
      const deadline = Date.now() + 20_000;
      while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) await sleep(100);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
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
  const deadline = Date.now() + 60_000;
  let lastError = 'it did not answer within 60 s';
  for (;;) {
    const ended = await Promise.race([exited, sleep(250).then(() => null)]);
    if (ended !== null) {
      const words = lastWords(logFile) || ended;
      await stop();
      throw new Error(`the Docker engine (dockerd) could not start: ${words}`);
    }
    if (existsSync(socket)) {
      try {
        await api.version();
        break;
      } catch (error) {
        lastError = (error as Error).message;
      }
    }
    if (Date.now() > deadline) {
      const words = lastWords(logFile) || lastError;
      await stop();
      throw new Error(`the Docker engine (dockerd) could not start: ${words}`);
    }
  }
  try {
    await buildBaseImage(api, BASE_IMAGE);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host: `unix://${socket}`, socket, api, stop };
}

/** The engine's error lines (level=error or fatal), else its last line. */
function lastWords(logFile: string): string {
  const lines = readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean);
  const errors = lines.filter((line) => /level=(error|fatal)|^failed|Error/.test(line));
  return (errors.slice(-3).join(' | ') || lines.at(-1) || '').slice(0, 2000);
}
