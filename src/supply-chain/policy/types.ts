import type { ServiceSpec, StrategyType } from '../../spec/types.ts';
import type { SeveritySummary } from '../scan/index.ts';

/** A deployment policy: a CEL expression over `deployment` that is true when the deployment is allowed. */
export interface Policy {
  /** Lowercase letters, digits and "-"; unique among the policies in force. */
  name: string;
  /** CEL over the variable `deployment` (see {@link PolicyInput}); true allows, false denies. */
  expression: string;
  /** Shown when the policy denies; `{{scan.critical}}`, `{{service}}`, … are filled in from the input. */
  message: string;
  /**
   * The environments the policy applies to.
   * @default every environment
   */
  environments?: string[];
}

/** What the artifact's signature check found; `not-checked` when nothing verified it. */
export type SignatureState = 'valid' | 'missing' | 'invalid' | 'untrusted' | 'not-checked';

export interface PolicySignature {
  state: SignatureState;
  /** The key that made a valid signature. */
  keyId?: string;
}

/**
 * The vulnerability scan. The counts are there only when the artifact was
 * scanned, so that `deployment.scan.critical == 0` cannot pass an artifact
 * nobody scanned: reading a count of an unscanned artifact is an error, and a
 * policy that errors denies.
 */
export type PolicyScan = { state: 'not-scanned' } | ({ state: 'scanned' } & SeveritySummary);

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/**
 * The variable `deployment` every policy sees: one deployment about to start.
 * Objects are CEL maps (`deployment.scan.critical`, `has(deployment.signature.keyId)`);
 * numbers are CEL doubles, which compare with ints as expected
 * (`deployment.instances > 2`, `deployment.scan.critical == 0`); use `int(…)`
 * for `%`.
 */
export interface PolicyInput {
  /** The service's name (`metadata.name`). */
  service: string;
  /** The environment it is deployed to, e.g. `production`. */
  environment: string;
  /** The version being deployed, as written in the spec. */
  version: string;
  /** The revision number this deployment creates. */
  revision: number;
  strategy: StrategyType;
  /** Desired instances. */
  instances: number;
  /** The normalized spec (src/spec/types.ts ServiceSpec): durations in ms, absent optional fields absent. */
  spec: ServiceSpec;
  /** The uploaded artifact: its SHA-256 (hex) and size in bytes. */
  artifact: { digest: string; size: number };
  signature: PolicySignature;
  scan: PolicyScan;
  /** Who asked for the deployment (the API caller's identity). */
  author: string;
  /** When the deployment was asked for, in UTC. */
  time: { iso: string; hour: number; weekday: Weekday };
  /** Whether the strategy runs any analysis (canary steps or analysis, blue-green pre/post promotion). */
  analysis: { configured: boolean };
}

/** The top-level fields of {@link PolicyInput}, for checking message placeholders. */
export const POLICY_INPUT_FIELDS = [
  'service',
  'environment',
  'version',
  'revision',
  'strategy',
  'instances',
  'spec',
  'artifact',
  'signature',
  'scan',
  'author',
  'time',
  'analysis',
] as const satisfies readonly (keyof PolicyInput)[];

/** A policy whose expression was parsed and planned once, ready to run on many inputs. */
export interface CompiledPolicy {
  readonly policy: Policy;
  /** Runs the expression on the input as CEL sees it (maps, from evaluatePolicies); CEL errors are returned, not thrown. */
  readonly program: (deployment: unknown) => unknown;
}

/** One policy's verdict on one input. */
export interface PolicyResult {
  name: string;
  expression: string;
  ok: boolean;
  /** The policy's message with its placeholders filled in, when it denies. */
  message?: string;
  /** Why the expression gave no verdict (it errored or was not a boolean); the policy then denies. */
  error?: string;
}

export interface PolicyViolation {
  name: string;
  message: string;
  error?: string;
}

export interface PolicyEvaluation {
  /** True when every policy that applies to the environment allows. */
  allowed: boolean;
  environment: string;
  /** Every policy that applies, in order. */
  results: PolicyResult[];
  /** Every policy that denied, in order. */
  violations: PolicyViolation[];
  /** Policies scoped to other environments, which were not run. */
  skipped: { name: string; environments: string[] }[];
}
