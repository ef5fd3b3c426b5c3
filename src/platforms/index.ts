import { CutoverError, ErrorCode } from '../core/errors.ts';
import { LocalPlatform } from './local/local-platform.ts';
import { PreviousReleaseMarks } from './local/previous-release.ts';
import { SimulatedPlatform } from './simulated/simulated-platform.ts';
import type { Sandbox } from './isolation/index.ts';
import type { Platform } from './platform.ts';
import type { Logger } from '../monitoring/logger.ts';
import { DockerEngine, DockerPlatform, engineSocket } from './docker/index.ts';
import { SwarmPlatform } from './swarm/index.ts';

/** The platforms an environment can run on (`platform:` in the server's config). */
export const PLATFORM_TYPES = ['local', 'simulated', 'docker', 'swarm'] as const;
export type PlatformType = (typeof PLATFORM_TYPES)[number];

/** The registry of platforms: one explicit switch, a clear error for an unknown type. */
/**
 * `dataDir` is given to recognise the instances the previous release started
 * for that data dir (marked with its path), so an upgraded server adopts them.
 */
export function createPlatform(type: string, options: PlatformOptions): Platform {
  switch (type) {
    case 'local':
      return new LocalPlatform(options.mark, options.sandbox, options.dataDir !== undefined ? new PreviousReleaseMarks(options.dataDir) : undefined);
    case 'simulated':
      return new SimulatedPlatform();
    case 'docker':
      return new DockerPlatform(new DockerEngine(engineSocket()), {
        mark: options.mark,
        account: (environment) => options.sandbox.containerAccount(environment),
        imageFor: (environment) => options.imageFor?.(environment),
        log: options.log ?? { info: () => undefined, warn: () => undefined },
      });
    case 'swarm':
      return new SwarmPlatform(new DockerEngine(engineSocket()), {
        mark: options.mark,
        account: (environment) => options.sandbox.containerAccount(environment),
        imageFor: (environment) => options.imageFor?.(environment),
        log: options.log ?? { info: () => undefined, warn: () => undefined },
      });
    default:
      throw new CutoverError(ErrorCode.InvalidRequest, `no platform of type "${type}"; the platforms are: ${PLATFORM_TYPES.join(', ')}`);
  }
}

export interface PlatformOptions {
  mark: string;
  sandbox: Sandbox;
  dataDir?: string;
  /** docker: the image an environment's containers run on when the spec names none. */
  imageFor?: (environment: string) => string | undefined;
  log?: Pick<Logger, 'info' | 'warn'>;
}

export type { Platform, InstanceLaunch, ProbeResult } from './platform.ts';
export { DockerPlatform, DockerEngine, engineSocket, buildBaseImage, BASE_IMAGE, LABEL as DOCKER_LABEL } from './docker/index.ts';
export { PerEnvironmentPlatform } from './per-environment.ts';
export { SwarmPlatform, serviceName as swarmServiceName, type SwarmPlatformOptions } from './swarm/index.ts';
export { SimulatedPlatform, SimulatedVariable, outcomesOf, type SimulatedInstance, type SimulatedOutcomes } from './simulated/index.ts';
export { httpProbe } from './local/http-probe.ts';
export { LocalPlatform, signalGroup } from './local/local-platform.ts';
export { findMarked, isProcessAlive, hasMarks, outermost } from './local/proc.ts';
export { Sandbox, isInside, parseIsolationConfig, serverMark, MARK_VARIABLE, type IsolationConfig, type EffectiveIsolation } from './isolation/index.ts';
