export { SwarmPlatform, serviceName, type SwarmPlatformOptions } from './swarm-platform.ts';
export { readSwarm, describeNode, type SwarmNode, type SwarmTask } from './swarm-state.ts';
