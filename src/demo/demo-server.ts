import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from '../client/index.ts';
import { nodeArgsFor, Program } from '../core/entry.ts';
import { freePort } from '../core/net.ts';
import { MARK_VARIABLE, findMarked, isProcessAlive, serverMark, signalGroup } from '../platforms/index.ts';

/** A demo's headline: bold on a terminal, plain in a pipe (tests, CI logs). */
export function narrate(text: string): void {
  process.stdout.write(process.stdout.isTTY ? `\n\x1b[1m▶ ${text}\x1b[0m\n` : `\n▶ ${text}\n`);
}

/** A cutover server of the demo's own: its address, its temporary data dir and an admin client. */
export interface DemoServer {
  url: string;
  dataDir: string;
  client: ApiClient;
}

/**
 * Runs `demo` against a server started in a temporary data dir (with
 * `config` as its config file when given), then stops the server and every
 * router and instance it started and removes the data dir, also on Ctrl-C:
 * a demo leaves no process or file behind.
 */
export async function withDemoServer(demo: (server: DemoServer) => Promise<number>, options: { config?: string } = {}): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cutover-demo-'));
  let server: ChildProcess | null = null;
  const cleanup = async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server!.once('exit', resolve));
    }
    // Routers carry the data dir; instances only this server's opaque mark.
    const started = () => [...findMarked({ CUTOVER_DATA_DIR: dataDir }), ...(existsSync(join(dataDir, 'instance-mark')) ? findMarked({ [MARK_VARIABLE]: serverMark(dataDir) }) : [])];
    for (const { pid } of started()) signalGroup(pid, 'SIGKILL');
    for (let i = 0; i < 100 && started().some(({ pid }) => isProcessAlive(pid)); i++) await sleep(50);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(`${dataDir}-revisions`, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    if (options.config !== undefined) writeFileSync(join(dataDir, 'config.yaml'), options.config);
    const apiPort = await freePort();
    narrate(`Starting a cutover server on 127.0.0.1:${apiPort} with its state in ${dataDir}`);
    server = spawn(process.execPath, [...nodeArgsFor(Program.cli), 'server', '--data-dir', dataDir, '--port', String(apiPort), '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const url = `http://127.0.0.1:${apiPort}`;
    for (let i = 0; ; i++) {
      if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
      if (i > 300 || server.exitCode !== null) throw new Error('the demo server did not start');
      await sleep(100);
    }
    const client = new ApiClient({ server: url, token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim() });
    narrate(`Watch it live in a browser: ${url}/ui (sign in with the token in ${join(dataDir, 'admin-token')})`);
    return await demo({ url, dataDir, client });
  } finally {
    process.off('SIGINT', onSignal);
    await cleanup();
  }
}
