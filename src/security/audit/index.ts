/**
 * The audit log: every API call, who made it, from where, and whether it was
 * allowed, in a hash chain that shows where it was tampered with.
 */
export { AuditLog } from './audit-log.ts';
export type { AuditLogOptions, AuditQuery } from './audit-log.ts';
export { GENESIS_HASH, OUTCOMES, hashEntry } from './entry.ts';
export type { AuditEntry, AuditRecord, Outcome } from './entry.ts';
export { formatHead, parseHead } from './head.ts';
export type { AuditHead } from './head.ts';
export { verifyChain } from './verify-chain.ts';
export type { TamperKind, VerifyResult } from './verify-chain.ts';
export { canonicalJson } from './canonical-json.ts';
export { AUDIT_SCHEMA } from './schema.ts';
