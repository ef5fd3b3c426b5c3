import { describe, expect, it } from 'vitest';
import { UNISOLATED } from '../../../test/support/unisolated.ts';
import { CommandProvider } from './command.ts';

const context = { service: 'hello', environment: 'staging', canaryRevision: 3, stableRevision: 2, signal: new AbortController().signal };
const provider = (command: string[], timeoutMs = 5000) => new CommandProvider({ type: 'command', command, timeoutMs }, UNISOLATED);

describe('the command metric provider', () => {
  it('passes on exit 0, with the last line as the value and the revisions in its environment', async () => {
    expect(await provider(['sh', '-c', 'echo "$CUTOVER_SERVICE $CUTOVER_REVISION $CUTOVER_STABLE_REVISION"']).measure(context)).toEqual({ phase: 'Successful', value: 'hello 3 2' });
  });
  it('takes the value from stdout, however late a warning on stderr arrives', async () => {
    // stderr is written after stdout here; both are pipes, so the order in which they are read is a race in general.
    expect(await provider(['sh', '-c', 'echo 42; sleep 0.2; echo "warning: slow disk" >&2']).measure(context)).toEqual({ phase: 'Successful', value: '42' });
  });
  it('fails on another exit code, saying which', async () => {
    expect(await provider(['sh', '-c', 'echo too slow; exit 3']).measure(context)).toEqual({ phase: 'Failed', value: 'too slow', message: 'sh -c echo too slow; exit 3 exited with 3: too slow' });
  });
  it('is a measurement in error (not an exception) when the program does not exist or times out', async () => {
    expect((await provider(['no-such-program-xyz']).measure(context)).phase).toBe('Error');
    expect(await provider(['sleep', '5'], 100).measure(context)).toEqual({ phase: 'Error', message: 'timed out after 100ms' });
  });
});
