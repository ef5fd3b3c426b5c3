import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { CLI_ENTRY, Cluster, helloSpec, waitFor, type CliResult } from './support/cluster.ts';
import { requireTool } from './support/tools.ts';

/**
 * Conventions of the CLI checked through a real server: `policy test --env`
 * judges the spec for the environment named (as apply would deploy it), and
 * with stdout to a pipe (CI, a log) a waiting command prints one plain line
 * per event: no colour, no escape code, no carriage return, no redraw.
 */
const SERVICE = 'hello-pipe';
const ESCAPE = '\x1b[';

describe('cutover off a terminal, and policy test --env', () => {
  const cluster = new Cluster();
  let port = 0;

  /**
   * The CLI with stdout and stderr to pipes, in an environment that would colour a terminal (no NO_COLOR, no FORCE_COLOR, TERM set);
   * or, `onTerminal`, on a pseudo-terminal that script(1) opens (its output then comes through script's stdout).
   */
  function piped(args: string[], onTerminal = false, extra: Record<string, string> = {}): Promise<CliResult> {
    const { NO_COLOR: _no, FORCE_COLOR: _force, ...inherited } = process.env;
    const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
    const [command, argv] = onTerminal ? ['script', ['-qec', [process.execPath, CLI_ENTRY, ...args].map(quote).join(' '), '/dev/null']] : [process.execPath, [CLI_ENTRY, ...args]];
    return new Promise((resolve, reject) => {
      const child = spawn(command, argv, {
        env: { ...inherited, TERM: 'xterm-256color', CUTOVER_SERVER: cluster.url, CUTOVER_DATA_DIR: cluster.dataDir, CUTOVER_TOKEN: '', CUTOVER_CONTEXT: '', ...extra },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`cutover ${args.join(' ')} did not finish\n${stdout}\n${stderr}`));
      }, 180_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, stdout, stderr });
      });
    });
  }

  /** Progress lines: `HH:MM:SS <phase> step …`, one per change. */
  const progress = (stdout: string) => stdout.split('\n').filter((line) => /^\d\d:\d\d:\d\d /.test(line));
  const plain = (result: CliResult) => {
    expect(result.stdout).not.toContain(ESCAPE);
    expect(result.stderr).not.toContain(ESCAPE);
    expect(result.stdout).not.toContain('\r');
    expect(result.stdout === '' || result.stdout.endsWith('\n')).toBe(true);
  };

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
  });
  afterAll(() => cluster.destroy());

  it('follows apply --wait with one timestamped plain line per change', async () => {
    const spec = cluster.writeSpec(SERVICE, helloSpec({ port, instances: 2, strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '2s' } }] } } }));
    const first = await piped(['apply', '-f', spec, '--wait']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    plain(first);
    const second = await piped(['apply', '-f', cluster.writeSpec(SERVICE, helloSpec({ port, instances: 2, version: '2.0.0', strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '2s' } }] } } })), '--wait']);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    plain(second);
    const lines = progress(second.stdout);
    expect(lines.length, second.stdout).toBeGreaterThanOrEqual(3);
    // One line per event: each says something the one before did not.
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.slice(9)).not.toBe(lines[i - 1]!.slice(9));
    expect(lines.some((line) => / Paused .*weights r1=50% r2=50%/.test(line)), second.stdout).toBe(true);
    expect(second.stdout).toMatch(/\n.*Succeeded/);
  });

  it('follows status --watch the same way, and ends plain when --timeout runs out', async () => {
    const started = await piped(['apply', '-f', cluster.writeSpec(SERVICE, helloSpec({ port, instances: 2, version: '3.0.0', strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } } }))]);
    expect(started.code, started.stderr).toBe(0);
    await waitFor('the canary to pause', async () => (await cluster.status(SERVICE)).phase === 'Paused', 120_000);
    const watched = await piped(['status', SERVICE, '--watch', '--timeout', '3s']);
    expect(watched.code, watched.stderr).toBe(124);
    plain(watched);
    expect(progress(watched.stdout).length).toBe(1);
    expect(watched.stderr).toMatch(/^error: gave up waiting after 3s \(--timeout\)/);

    const logs = await piped(['logs', SERVICE, '-f', '--timeout', '3s', '--lines', '2']);
    expect(logs.code, logs.stderr).toBe(124);
    plain(logs);
    // One log line per line, each prefixed with its instance.
    const logLines = logs.stdout.split('\n').filter(Boolean);
    expect(logLines.length, logs.stdout).toBeGreaterThan(0);
    for (const line of logLines) expect(line).toMatch(new RegExp(`^\\[${SERVICE}-\\S+\\] `));
    const promoted = await piped(['promote', SERVICE, '--wait']);
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    plain(promoted);
  });

  const withScript = requireTool('script');
  withScript.it('on a terminal instead, redraws one live line with the phase coloured; NO_COLOR keeps the redraw and drops the colour', async () => {
    const canary = (version: string) => cluster.writeSpec(SERVICE, helloSpec({ port, instances: 2, version, strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '2s' } }] } } }));
    const coloured = await piped(['apply', '-f', canary('4.0.0'), '--wait'], true);
    expect(coloured.code, coloured.stdout).toBe(0);
    expect(coloured.stdout).toContain('\r\x1b[2K');
    expect(coloured.stdout).toContain(`${ESCAPE}32mSucceeded${ESCAPE}0m`);
    const uncoloured = await piped(['apply', '-f', canary('5.0.0'), '--wait'], true, { NO_COLOR: '1' });
    expect(uncoloured.code, uncoloured.stdout).toBe(0);
    expect(uncoloured.stdout).toContain('\r\x1b[2K');
    // SGR codes (`ESC [ n m`) are colour; `ESC [ 2K` (clear the line) is the redraw.
    expect([...uncoloured.stdout.matchAll(/\[\d+m/g)].filter((m) => uncoloured.stdout[m.index - 1] === '\x1b')).toEqual([]);
  });

  it('judges a spec for the environment --env names, as apply would deploy it there', async () => {
    const spec = cluster.writeSpec('hello-policy', helloSpec({ port: await freePort(), instances: 1, strategy: { rolling: {} } }));
    const here = await piped(['policy', 'test', '-f', spec]);
    const production = await piped(['policy', 'test', '-f', spec, '--env', 'production']);
    expect(production.code).toBe(1);
    expect(production.stdout).toMatch(/✗ production-progressive-strategy/);
    expect(here.stdout).toContain('no policy applies to development');
    expect({ code: here.code, failed: here.stdout.split('\n').filter((line) => line.startsWith('✗')) }).toEqual({ code: 0, failed: [] });
    plain(production);
  });
});
