import { runCommand, type CommandSandbox } from '../../core/run-command.ts';
import type { MetricProviderSpec } from '../../spec/types.ts';
import type { MeasureContext } from '../types.ts';
import type { MetricProvider } from './provider.ts';

type Spec = Extract<MetricProviderSpec, { type: 'command' }>;

/**
 * Runs a command; exit 0 passes, any other exit fails, a command that cannot
 * start or times out is an error. It gets CUTOVER_SERVICE, CUTOVER_REVISION,
 * CUTOVER_STABLE_REVISION and CUTOVER_ENVIRONMENT; the last line of its stdout is the value.
 */
export class CommandProvider implements MetricProvider {
  readonly type = 'command';

  constructor(
    private readonly spec: Spec,
    /** The server's isolation: the command is deployer code and runs as the environment's sandbox says. */
    private readonly sandbox: CommandSandbox,
  ) {}

  async measure(context: MeasureContext) {
    const outcome = await runCommand(this.spec.command, {
      sandbox: this.sandbox,
      environment: context.environment,
      env: {
        CUTOVER_SERVICE: context.service,
        CUTOVER_REVISION: String(context.canaryRevision),
        CUTOVER_STABLE_REVISION: context.stableRevision === null ? '' : String(context.stableRevision),
        CUTOVER_ENVIRONMENT: context.environment,
      },
      timeoutMs: this.spec.timeoutMs,
      signal: context.signal,
    });
    if (!outcome.ran) return { phase: 'Error' as const, message: outcome.reason };
    if (outcome.code === 0) return { phase: 'Successful' as const, value: outcome.lastOutputLine };
    return { phase: 'Failed' as const, value: outcome.lastOutputLine, message: `${this.spec.command.join(' ')} exited with ${outcome.code}${outcome.lastLine ? `: ${outcome.lastLine}` : ''}` };
  }
}
