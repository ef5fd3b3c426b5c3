import { spawn } from 'node:child_process';
import type { MetricProviderSpec } from '../../spec/types.ts';
import type { MeasureContext } from '../types.ts';
import type { MetricProvider } from './provider.ts';

type Spec = Extract<MetricProviderSpec, { type: 'command' }>;

/**
 * Runs a command; exit 0 passes, any other exit fails, a command that cannot
 * start or times out is an error. It gets CUTOVER_SERVICE, CUTOVER_REVISION,
 * CUTOVER_STABLE_REVISION and CUTOVER_ENVIRONMENT; its output's last line is the value.
 */
export class CommandProvider implements MetricProvider {
  readonly type = 'command';

  constructor(private readonly spec: Spec) {}

  measure(context: MeasureContext) {
    const [program, ...args] = this.spec.command;
    return new Promise<Awaited<ReturnType<MetricProvider['measure']>>>((resolve) => {
      const child = spawn(program!, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          CUTOVER_SERVICE: context.service,
          CUTOVER_REVISION: String(context.canaryRevision),
          CUTOVER_STABLE_REVISION: context.stableRevision === null ? '' : String(context.stableRevision),
          CUTOVER_ENVIRONMENT: context.environment,
        },
        signal: AbortSignal.any([context.signal, AbortSignal.timeout(this.spec.timeoutMs)]),
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4096)));
      child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4096)));
      child.on('error', (error) => resolve({ phase: 'Error', message: `${program} could not run: ${error.message}` }));
      child.on('close', (code) => {
        const last = output.trim().split('\n').at(-1) ?? '';
        if (code === 0) resolve({ phase: 'Successful', value: last });
        else if (code !== null) resolve({ phase: 'Failed', value: last, message: `${this.spec.command.join(' ')} exited with ${code}${last ? `: ${last}` : ''}` });
      });
    });
  }
}
