import { CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../client/index.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { EXIT, reportError, UsageError } from './exit.ts';

describe('reportError', () => {
  let stderr = '';
  beforeEach(() => {
    stderr = '';
    // Captures what the CLI would print; nothing else of the process is replaced.
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  });
  afterEach(() => vi.restoreAllMocks());

  it('exits 2 on a UsageError, saying what was wrong', async () => {
    expect(await reportError(new UsageError('--tls-cert and --tls-key go together'))).toBe(EXIT.usage);
    expect(stderr).toBe('error: --tls-cert and --tls-key go together\n');
  });

  it("prints the server's message, field problems, code and context; 2 for a 400, 1 otherwise", async () => {
    const invalid = new ApiError(400, 'InvalidSpec', 'the spec is not valid', { service: 'shop' }, [{ path: 'spec.port', message: 'expected an integer' }]);
    expect(await reportError(invalid)).toBe(EXIT.usage);
    expect(stderr).toBe('error: the spec is not valid\n  spec.port: expected an integer\n  (InvalidSpec; service: shop)\n');
    stderr = '';
    expect(await reportError(new ApiError(423, 'Locked', 'service shop is locked', { service: 'shop', holder: 'alice', since: { at: 1 } }))).toBe(EXIT.failed);
    expect(stderr).toBe('error: service shop is locked\n  (Locked; service: shop, holder: alice, since: {"at":1})\n');
    stderr = '';
    expect(await reportError(new ApiError(502, 'Error', 'bad gateway'))).toBe(EXIT.failed);
    expect(stderr).toBe('error: bad gateway\n'); // not a cutover error: no code or context to add
  });

  it("exits 2 on the CLI's own CutoverErrors (the user's input), 1 when the server cannot be reached", async () => {
    expect(await reportError(new CutoverError(ErrorCode.InvalidSpec, 'bad spec', { problems: [{ path: '', message: 'not YAML' }] }))).toBe(EXIT.usage);
    expect(stderr).toBe('error: bad spec\n  (document): not YAML\n');
    expect(await reportError(new CutoverError(ErrorCode.ServerUnavailable, 'cannot reach the cutover server'))).toBe(EXIT.failed);
  });

  it("exits 1 on anything else, with its message and no stack", async () => {
    expect(await reportError(new Error('disk full'))).toBe(EXIT.failed);
    expect(await reportError('odd')).toBe(EXIT.failed);
    expect(stderr).toBe('error: disk full\nerror: odd\n');
  });

  it("leaves commander's own errors to commander: 0 after help or the version, 2 for a usage mistake", async () => {
    expect(await reportError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(EXIT.ok);
    expect(await reportError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--nope'"))).toBe(EXIT.usage);
    expect(stderr).toBe('');
  });
});
