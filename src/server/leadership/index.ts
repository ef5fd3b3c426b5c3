export { Leadership, newReplicaId, type LeaderRole, type Replica } from './leadership.ts';
export { LeaseStore, type LeaseHolder } from './lease-store.ts';
export { FencedPlatform, FencedTrafficRouter } from './fenced.ts';
export { DEFAULT_TERMS, type LeaseTerms } from './lease.ts';
