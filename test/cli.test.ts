import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/core/entry.ts';
import { CLI_ENTRY, HELLO_DIR, runCli } from './support/cluster.ts';

const work = mkdtempSync(join(tmpdir(), 'cutover-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Packages a quick command (help, version, status) must never load: the spec, YAML, CEL, the server, the store, the packer. */
const HEAVY = ['zod', 'yaml', '@bufbuild/cel', '@bufbuild/protobuf', 'hono', '@hono/node-server', 'better-sqlite3', 'pino', 'prom-client', 'tar', 'semver', 'age-encryption'];

/** Runs the real CLI and returns every module URL it loaded, through a loader hook registered before the CLI starts. */
async function loadedModules(args: string[]): Promise<{ code: number; modules: string[] }> {
  const file = join(work, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const hooks = pathToFileURL(join(import.meta.dirname, 'support/loaded-modules.mjs')).href;
  const register = `data:text/javascript,import{register}from"node:module";register(${JSON.stringify(hooks)})`;
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', register, CLI_ENTRY, ...args], { env: { ...process.env, LOADED_MODULES_FILE: file }, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode ?? 1));
  });
  return { code, modules: existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [] };
}

function packagesIn(modules: string[]): string[] {
  return [...new Set(modules.map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]).filter((name): name is string => Boolean(name)))].sort();
}

describe('the cutover CLI', () => {
  it.each(['--help', 'apply --help', 'status --help', '--version'])('`cutover %s` loads no spec, YAML, CEL, server or store code', async (line) => {
    const { code, modules } = await loadedModules(line.split(' '));
    expect(code).toBe(0);
    expect(modules.some((url) => /\/cli\/main\.(ts|js)$/.test(url)), 'the loader hook saw the CLI load').toBe(true);
    expect(packagesIn(modules).filter((name) => HEAVY.includes(name))).toEqual([]);
    expect(modules.filter((url) => !url.includes('/node_modules/') && /\/(spec|api|engine|server|store|router)\//.test(url))).toEqual([]);
  });

  it('the loader hook does see the spec being loaded when a command needs it (so the check above can fail)', async () => {
    const { modules } = await loadedModules(['schema']);
    expect(packagesIn(modules)).toEqual(expect.arrayContaining(['zod']));
  });

  it('prints the version in package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(version);
    }
  });

  it('takes -o text, json or yaml only, and says which', async () => {
    const result = await runCli(['status', 'shop', '-o', 'xml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/option '-o, --output <format>' argument 'xml' is invalid\. Allowed choices are text, json, yaml/);
  });

  it.each([
    ['rollback shop --to-revision two', /--to-revision <n>' argument 'two' is invalid\. expected a whole number from 1/],
    ['server --port 99999', /--port <port>' argument '99999' is invalid\. expected a whole number from 0 to 65535/],
    ['server --tls-cert cert.pem', /--tls-cert and --tls-key go together/],
    ['demo --rate fast', /--rate <n>' argument 'fast' is invalid/],
    ['scan examples/hello', /no advisory database: pass --db DIR/],
    ['artifact pack examples/hello', /artifact pack needs --out FILE/],
    ['nope', /unknown command 'nope'/],
    ['status', /missing required argument 'service'/],
  ])('exits 2 on a usage error: cutover %s', async (line, message) => {
    const args = line.split(' ').map((word) => (word === 'examples/hello' ? HELLO_DIR : word));
    const result = await runCli(args, { CUTOVER_SERVER: 'http://127.0.0.1:9', CUTOVER_ADVISORY_DB: '' });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('packs an artifact to --out, and still to -o FILE (its old spelling) with a note', async () => {
    const packed = await runCli(['artifact', 'pack', HELLO_DIR, '--out', join(work, 'a.tar.gz')]);
    expect(packed.code, packed.stderr).toBe(0);
    expect(packed.stderr).toBe('');
    const digest = /sha256:([0-9a-f]{64})/.exec(packed.stdout)![1];
    const old = await runCli(['artifact', 'pack', HELLO_DIR, '-o', join(work, 'b.tar.gz')]);
    expect(old.code, old.stderr).toBe(0);
    expect(old.stderr).toMatch(/`artifact pack -o FILE` is now `artifact pack --out FILE`/);
    expect(old.stdout).toContain(`sha256:${digest}`);
    expect(readFileSync(join(work, 'b.tar.gz')).equals(readFileSync(join(work, 'a.tar.gz')))).toBe(true);
    expect((await runCli(['artifact', 'pack', HELLO_DIR, '--out', join(work, 'c'), '-o', join(work, 'd')])).code).toBe(2);
  });
});
