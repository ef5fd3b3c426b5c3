import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CutoverError } from '../../core/errors.ts';
import { clientOptions, configPath, readConfig, writeConfig, type CliConfig } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'cutover-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI config file', () => {
  it('lives in $XDG_CONFIG_HOME/cutover, or ~/.config/cutover when XDG_CONFIG_HOME is unset or relative', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/x' })).toBe('/x/cutover/config.yaml');
    expect(configPath({ XDG_CONFIG_HOME: 'relative' })).toMatch(/\/\.config\/cutover\/config\.yaml$/);
  });

  it('reads back what it wrote', () => {
    const file = join(dir, 'roundtrip', 'config.yaml');
    const config: CliConfig = { currentContext: 'prod', contexts: { prod: { server: 'https://cd.example:7400', tokenFile: '/etc/cutover/token' }, ci: { server: 'http://127.0.0.1:7400', keyId: 'ci-1', keyFile: '/keys/ci' } } };
    writeConfig(config, file);
    expect(readConfig(file)).toEqual(config);
  });

  it('lists every problem of a hand-edited file at once, each named by its field', () => {
    const file = join(dir, 'bad', 'config.yaml');
    writeConfig({ contexts: {} }, file);
    writeFileSync(file, 'currentContext: nowhere\nextra: 1\ncontexts:\n  a:\n    server: ftp://x\n    tokenFile: relative/token\n    token: t\n  b:\n    keyId: k\n    colour: red\n');
    let error: CutoverError | undefined;
    try {
      readConfig(file);
    } catch (thrown) {
      error = thrown as CutoverError;
    }
    expect(error).toBeInstanceOf(CutoverError);
    expect(error!.code).toBe('InvalidConfig');
    expect(error!.problems.map((p) => p.path).sort()).toEqual(['contexts.a', 'contexts.a.server', 'contexts.a.tokenFile', 'contexts.b.colour', 'contexts.b.keyFile', 'contexts.b.server', 'extra'].sort());
  });
});

describe('where a command sends its requests', () => {
  const config: CliConfig = { currentContext: 'prod', contexts: { prod: { server: 'https://prod:7400', token: 'prod-token' }, lab: { server: 'http://lab:7400', keyId: 'me', keyFile: '/k' } } };
  const read = () => config;
  const none = () => null;

  it('uses the current context, with its credentials, when nothing else is said', () => {
    expect(clientOptions({}, {}, undefined, read)).toEqual({ server: 'https://prod:7400', serverFrom: 'context prod', token: 'prod-token' });
    expect(clientOptions({ context: 'lab' }, {}, undefined, read)).toEqual({ server: 'http://lab:7400', serverFrom: 'context lab', signingKey: { keyid: 'me', file: '/k' } });
    expect(clientOptions({}, { CUTOVER_CONTEXT: 'lab' }, undefined, read)).toMatchObject({ server: 'http://lab:7400' });
  });

  it('lets flags beat environment variables, and both beat the context, setting by setting', () => {
    const notes: string[] = [];
    expect(clientOptions({ context: 'prod', server: 'http://flag' }, { CUTOVER_SERVER: 'http://env' }, (n) => notes.push(n), read)).toEqual({ server: 'http://flag', token: 'prod-token' });
    expect(clientOptions({}, { CUTOVER_SERVER: 'http://env', CUTOVER_TOKEN: 't' }, (n) => notes.push(n), read)).toEqual({ server: 'http://env' });
    expect(clientOptions({ context: 'prod', dataDir: '/d' }, {}, (n) => notes.push(n), read)).toEqual({ server: 'https://prod:7400', serverFrom: 'context prod', dataDir: '/d' });
    expect(notes).toEqual(['--server overrides the server of context prod', '--data-dir overrides the credentials of context prod']);
  });

  it('falls back to ./.cutover discovery only without a context; with one, a local admin token is never sent', () => {
    expect(clientOptions({}, {}, undefined, none)).toEqual({});
    expect(clientOptions({}, {}, undefined, () => ({ currentContext: 'bare', contexts: { bare: { server: 'https://x' } } }))).toEqual({ server: 'https://x', serverFrom: 'context bare', token: '' });
  });

  it('does not read the config file when flags and variables say everything and no context is named', () => {
    const unreadable = () => {
      throw new Error('read');
    };
    expect(clientOptions({ server: 'http://flag' }, { CUTOVER_TOKEN: 't' }, undefined, unreadable)).toEqual({ server: 'http://flag' });
    expect(clientOptions({}, { CUTOVER_SERVER: 'http://env', CUTOVER_DATA_DIR: '/d' }, undefined, unreadable)).toEqual({ server: 'http://env' });
    expect(() => clientOptions({ server: 'http://flag', context: 'prod' }, { CUTOVER_TOKEN: 't' }, undefined, unreadable)).toThrow('read');
    expect(() => clientOptions({ server: 'http://flag' }, {}, undefined, unreadable)).toThrow('read');
  });

  it('refuses a context that does not exist, naming the ones that do', () => {
    expect(() => clientOptions({ context: 'nope' }, {}, undefined, read)).toThrow(/no context named "nope" \(--context\).*there are: prod, lab/);
    expect(() => clientOptions({}, { CUTOVER_CONTEXT: 'nope' }, undefined, none)).toThrow(/there are none/);
  });
});
