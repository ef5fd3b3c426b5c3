import { CutoverError, ErrorCode } from '../core/errors.ts';
import { LocalPlatform } from './local/local-platform.ts';
import type { Sandbox } from './isolation/index.ts';
import type { Platform } from './platform.ts';

/** The registry of platforms: one explicit switch, a clear error for an unknown type. */
export function createPlatform(type: string, options: { mark: string; sandbox: Sandbox }): Platform {
  switch (type) {
    case 'local':
      return new LocalPlatform(options.mark, options.sandbox);
    default:
      throw new CutoverError(ErrorCode.InvalidRequest, `no platform of type "${type}"; the platforms are: local`);
  }
}

export type { Platform, InstanceLaunch } from './platform.ts';
export { LocalPlatform, signalGroup } from './local/local-platform.ts';
export { findMarked, isProcessAlive, hasMarks, outermost } from './local/proc.ts';
export { Sandbox, isInside, parseIsolationConfig, serverMark, MARK_VARIABLE, type IsolationConfig, type EffectiveIsolation } from './isolation/index.ts';
