import { open, stat } from 'node:fs/promises';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { EngineContext } from '../engine/context.ts';
import { describeRef, pickRef, type ServiceRef } from '../core/types.ts';
import { noSuchService } from './views.ts';

/** The last `lines` lines of a file, reading at most the last 1 MiB. */
async function tail(file: string, lines: number): Promise<string[]> {
  const info = await stat(file).catch(() => null);
  if (!info) return [];
  const length = Math.min(info.size, 1024 * 1024);
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, info.size - length);
    return buffer.toString('utf8').split('\n').filter((line) => line !== '').slice(-lines);
  } finally {
    await handle.close();
  }
}

/** Log lines of a service's instances (the live ones, or one named instance), each prefixed with its instance id. */
export async function serviceLogs(ctx: EngineContext, ref: ServiceRef, options: { instance?: string; lines: number }): Promise<string> {
  const all = ctx.store.instances.all(ref);
  if (!ctx.store.services.get(ref)) throw noSuchService(ctx, ref);
  const chosen = options.instance
    ? all.filter((i) => i.id === options.instance)
    : all.filter((i) => i.state === 'starting' || i.state === 'ready' || i.state === 'draining');
  if (options.instance && chosen.length === 0) {
    throw new CutoverError(ErrorCode.NotFound, `service ${describeRef(ref)} has no instance ${options.instance}; \`cutover status ${ref.service} --env ${ref.environment}\` lists them`, { context: { ...pickRef(ref), instance: options.instance } });
  }
  const out: string[] = [];
  for (const instance of chosen) for (const line of await tail(instance.logPath, options.lines)) out.push(`[${instance.id}] ${line}`);
  return out.length ? `${out.join('\n')}\n` : '';
}
