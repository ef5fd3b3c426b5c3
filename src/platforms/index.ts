import { CutoverError, ErrorCode } from '../core/errors.ts';
import { LocalPlatform } from './local/local-platform.ts';
import { PreviousReleaseMarks } from './local/previous-release.ts';
import type { Sandbox } from './isolation/index.ts';
import type { Platform } from './platform.ts';

/** The registry of platforms: one explicit switch, a clear error for an unknown type. */
/**
 * `dataDir` is given to recognise the instances the previous release started
 * for that data dir (marked with its path), so an upgraded server adopts them.
 */
export function createPlatform(type: string, options: { mark: string; sandbox: Sandbox; dataDir?: string }): Platform {
  switch (type) {
    case 'local':
      return new LocalPlatform(options.mark, options.sandbox, options.dataDir !== undefined ? new PreviousReleaseMarks(options.dataDir) : undefined);
    default:
      throw new CutoverError(ErrorCode.InvalidRequest, `no platform of type "${type}"; the platforms are: local`);
  }
}

export type { Platform, InstanceLaunch } from './platform.ts';
export { LocalPlatform, signalGroup } from './local/local-platform.ts';
export { findMarked, isProcessAlive, hasMarks, outermost } from './local/proc.ts';
export { Sandbox, isInside, parseIsolationConfig, serverMark, MARK_VARIABLE, type IsolationConfig, type EffectiveIsolation } from './isolation/index.ts';
