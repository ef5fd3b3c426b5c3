/**
 * Deployment policies in CEL: rules every deployment must pass before it
 * starts (production takes traffic gradually, from signed and scanned
 * artifacts), checked all at once, failing closed.
 */
export { compilePolicies } from './compile.ts';
export type { CompileOptions } from './compile.ts';
export { evaluatePolicies } from './evaluate.ts';
export { DEFAULT_POLICIES } from './defaults.ts';
export { buildPolicyInput, signatureFromMinisign } from './input.ts';
export type { PolicyInputSource } from './input.ts';
export { loadPolicies, parsePolicies } from './load.ts';
export { formatPolicyReport } from './report.ts';
export { POLICY_INPUT_FIELDS } from './types.ts';
export type {
  CompiledPolicy,
  Policy,
  PolicyEvaluation,
  PolicyInput,
  PolicyResult,
  PolicyScan,
  PolicySignature,
  PolicyViolation,
  SignatureState,
  Weekday,
} from './types.ts';
