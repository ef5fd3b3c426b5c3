import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { loadServerConfig } from './server-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'cutover-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function failure(file: string, explicit = true): Promise<CutoverError> {
  const error = await loadServerConfig(file, explicit).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(CutoverError);
  return error as CutoverError;
}

describe('loadServerConfig', () => {
  it('reads the predefined environments and a log sink when the default file is missing', async () => {
    const config = await loadServerConfig(join(dir, 'absent.yaml'), false);
    expect(Object.keys(config.environments)).toContain('production');
    expect(config.alerts.sinks).toEqual([{ type: 'log' }]);
  });

  it('is an InvalidConfig naming the file when an explicit file is missing', async () => {
    const error = await failure(join(dir, 'absent.yaml'));
    expect(error.code).toBe(ErrorCode.InvalidConfig);
    expect(error.message).toMatch(/cannot read the config file .*absent\.yaml.*--config/);
  });

  it('is an InvalidConfig naming the file and the field of a bad alert sink, with its path from the top of the file', async () => {
    const file = configFile('bad-alerts.yaml', 'alerts:\n  sinks:\n    - { type: webhook, url: "not a url", secret: whsec_aGVsbG8= }\n');
    const error = await failure(file);
    expect(error.code).toBe(ErrorCode.InvalidConfig);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/start the server again$/);
    expect(error.problems.map((problem) => problem.path)).toEqual(['alerts.sinks[0].url']);
    expect(error.context).toMatchObject({ file, field: 'alerts.sinks[0].url' });
  });

  it('keeps the paths of environment problems, which already start at the top of the file', async () => {
    const error = await failure(configFile('bad-env.yaml', 'environments:\n  qa: { extends: nowhere }\n'));
    expect(error.code).toBe(ErrorCode.InvalidConfig);
    expect(error.problems[0]?.path).toMatch(/^environments\.qa/);
  });

  it('reads outbound allow lists per environment (inherited through extends) and names the path of a bad entry', async () => {
    const config = await loadServerConfig(configFile('outbound.yaml', 'environments:\n  staging: { outbound: { allow: ["127.0.0.1:9090", "10.0.0.0/8", "prometheus.internal"] } }\n  qa: { extends: staging }\n'), true);
    expect(config.environments.staging!.outbound.allow).toEqual(['127.0.0.1:9090', '10.0.0.0/8', 'prometheus.internal']);
    expect(config.environments.qa!.outbound.allow).toEqual(config.environments.staging!.outbound.allow);
    expect(config.environments.production!.outbound.allow).toEqual([]);
    const error = await failure(configFile('bad-outbound.yaml', 'environments:\n  staging: { outbound: { allow: ["127.0.0.1:9090", "http://x/"] } }\n'));
    expect(error.problems).toEqual([{ path: 'environments.staging.outbound.allow[1]', message: expect.stringMatching(/^expected a host .*got "http:\/\/x\/"/) }]);
  });

  it('is an InvalidConfig for unknown sections and for YAML that does not parse', async () => {
    const unknown = await failure(configFile('unknown.yaml', 'enviroments: {}\n'));
    expect(unknown.code).toBe(ErrorCode.InvalidConfig);
    expect(unknown.problems).toEqual([{ path: 'enviroments', message: expect.stringContaining('unknown section') }]);
    const broken = await failure(configFile('broken.yaml', 'alerts: [unclosed\n'));
    expect(broken.code).toBe(ErrorCode.InvalidConfig);
    expect(broken.message).toMatch(/not valid YAML/);
  });

  it('is an InvalidConfig for a security.advisoryDb that is not a path', async () => {
    const error = await failure(configFile('bad-security.yaml', 'security:\n  advisoryDb: 42\n'));
    expect(error.code).toBe(ErrorCode.InvalidConfig);
    expect(error.context.field).toBe('security.advisoryDb');
  });

  it('reads security.publicUrl as an origin, and refuses one with a path or another scheme, naming the field', async () => {
    expect((await loadServerConfig(configFile('public.yaml', 'security:\n  publicUrl: https://cutover.example.com:8443/\n'), true)).publicUrl).toBe('https://cutover.example.com:8443');
    expect((await loadServerConfig(join(dir, 'absent.yaml'), false)).publicUrl).toBeNull();
    for (const [name, value, says] of [
      ['path.yaml', 'https://cutover.example.com/api', /origin only .*https:\/\/cutover\.example\.com/],
      ['scheme.yaml', 'ftp://cutover.example.com', /https:\/\/ or http:\/\/, not ftp:/],
      ['text.yaml', 'cutover', /must be a URL/],
    ] as const) {
      const error = await failure(configFile(name, `security:\n  publicUrl: ${value}\n`));
      expect(error.context.field).toBe('security.publicUrl');
      expect(error.message).toMatch(says);
    }
  });
});
