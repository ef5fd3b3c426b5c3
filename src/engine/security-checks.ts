import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CutoverError, ErrorCode, messageOf } from '../core/errors.ts';
import type { CheckResult, Environment } from '../environments/index.ts';
import { imageArtifactOf, signedImageText } from '../spec/image-artifact.ts';
import type { ServiceSpec } from '../spec/types.ts';
import { parseMinisignPublicKey, verifyMinisign, type MinisignPublicKey, type MinisignVerification } from '../supply-chain/minisign/index.ts';
import { buildPolicyInput, evaluatePolicies, signatureFromMinisign, type PolicyEvaluation, type PolicySignature } from '../supply-chain/policy/index.ts';
import { loadAdvisoryDatabase, meetsThreshold, scanArtifact, type AdvisoryDatabase, type ScanReport } from '../supply-chain/scan/index.ts';
import type { EngineContext } from './context.ts';

/** The artifact as `apply` names it. */
export interface ArtifactClaim {
  digest: string;
  /** The size the client says; shown only: checks use the size the server measured when it stored the upload. */
  size: number;
  /** The minisign signature file's text, if the user sent one. */
  signature?: string;
}

export interface SecurityAssessment {
  signature: PolicySignature;
  verification: MinisignVerification | null;
  scan: ScanReport | null;
  policy: PolicyEvaluation;
  checks: CheckResult[];
}

const databases = new Map<string, Promise<AdvisoryDatabase>>();

/** The advisory database, read once per server. */
function advisories(dir: string): Promise<AdvisoryDatabase> {
  let db = databases.get(dir);
  if (!db) {
    db = loadAdvisoryDatabase(dir);
    databases.set(dir, db);
    db.catch(() => databases.delete(dir));
  }
  return db;
}

function trustedKeys(environment: Environment): { keys: MinisignPublicKey[]; bad: string[] } {
  const keys: MinisignPublicKey[] = [];
  const bad: string[] = [];
  for (const text of environment.trustedKeys) {
    try {
      keys.push(parseMinisignPublicKey(text));
    } catch (error) {
      bad.push(`a trusted key of ${environment.name} is not a minisign public key (${messageOf(error)})`);
    }
  }
  return { keys, bad };
}

/**
 * Signature, vulnerability scan and policies for one deployment, before
 * anything starts. Every finding becomes a check result, so all problems
 * are reported together with the environment's other checks.
 */
export async function assessSecurity(
  ctx: EngineContext,
  environment: Environment,
  spec: ServiceSpec,
  revision: number,
  artifact: ArtifactClaim,
  author: string,
  options: { dryRun?: boolean } = {},
): Promise<SecurityAssessment> {
  const checks: CheckResult[] = [];

  // Signature: a rollback or promotion carries the signature its artifact passed with (in this environment, or the one it is promoted from).
  const signatureText = artifact.signature ?? ctx.store.signatures.get(artifact.digest, environment.name);
  // An image by digest is signed as the text of its digest; an archive as its plaintext bytes, read (and decrypted) only when there is a signature to check against them.
  const image = imageArtifactOf(spec);
  const data = signatureText === undefined && !environment.signatureRequired ? null : image ? signedImageText(image.digest) : await ctx.artifacts.read(artifact.digest);
  const { keys, bad } = trustedKeys(environment);
  for (const message of bad) checks.push({ check: 'signature', ok: false, message });
  let verification: MinisignVerification | null = null;
  if (signatureText !== undefined || environment.signatureRequired) {
    verification = verifyMinisign(data!, signatureText, keys, { environment: environment.name, trustedKeysLocation: `environments.${environment.name}.trustedKeys in the server's config` });
    const tampered = !verification.ok && (verification.reason === 'bad-signature' || verification.reason === 'bad-global-signature' || verification.reason === 'malformed');
    if (environment.signatureRequired || tampered) {
      checks.push({ check: 'signature', ok: verification.ok, message: verification.ok ? `signed by trusted key ${verification.keyId}` : verification.message });
    }
    // A dry run (plan) records nothing, not even a signature that checked out.
    if (verification.ok && signatureText && !options.dryRun) ctx.store.signatures.save(artifact.digest, environment.name, signatureText, verification.keyId);
  }

  // Vulnerabilities: only with an advisory database configured.
  let scan: ScanReport | null = null;
  if (ctx.advisoryDb && image) {
    // The scanner reads an artifact's lockfiles; an image's layers are not read, so an environment that blocks findings cannot clear it.
    if (environment.blockVulnerabilitiesAt !== 'none') {
      checks.push({
        check: 'vulnerabilities',
        ok: false,
        message: `${environment.name} blocks findings at ${environment.blockVulnerabilitiesAt} or above, and cutover scans artifacts (their lockfiles), not images: ${image.reference} cannot be scanned here; deploy its files as an artifact (artifact.path), or set blockVulnerabilitiesAt: none for ${environment.name} if the image is scanned elsewhere`,
      });
    }
  } else if (ctx.advisoryDb) {
    const dir = join(ctx.dataDir, 'tmp', `scan-${artifact.digest.slice(0, 16)}-${process.pid}-${Date.now()}`);
    try {
      await mkdir(dir, { recursive: true });
      await ctx.artifacts.unpack(artifact.digest, join(dir, 'artifact')).catch((error: unknown) => {
        throw new CutoverError(ErrorCode.InvalidRequest, `the artifact sha256:${artifact.digest.slice(0, 12)} is not a readable tar.gz (${messageOf(error)}); pack it with \`cutover artifact pack\``);
      });
      scan = await scanArtifact(join(dir, 'artifact'), await advisories(ctx.advisoryDb));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    if (environment.blockVulnerabilitiesAt !== 'none') {
      const blocked = meetsThreshold(scan.summary, environment.blockVulnerabilitiesAt);
      const worst = scan.findings.slice(0, 3).map((f) => `${f.package}@${f.version} ${f.advisoryId} (${f.severity})`).join(', ');
      checks.push({
        check: 'vulnerabilities',
        ok: !blocked,
        message: blocked
          ? `${environment.name} blocks findings at ${environment.blockVulnerabilitiesAt} or above; found ${scan.findings.length}: ${worst}${scan.findings.length > 3 ? ', …' : ''} (see \`cutover scan\`)`
          : `no finding at ${environment.blockVulnerabilitiesAt} or above`,
      });
    }
  }

  const signature = verification ? signatureFromMinisign(verification) : { state: 'not-checked' as const };
  const policy = evaluatePolicies(
    ctx.policies,
    buildPolicyInput({ spec, revision, artifact: { digest: artifact.digest, size: image ? 0 : (data?.length ?? (await ctx.artifacts.sizeOf(artifact.digest)) ?? 0) }, signature, ...(scan ? { scan: scan.summary } : {}), author }),
  );
  for (const violation of policy.violations) checks.push({ check: `policy ${violation.name}`, ok: false, message: violation.message + (violation.error ? ` (${violation.error})` : '') });
  return { signature, verification, scan, policy, checks };
}

/** Turns failed checks into the one error that lists them all. */
export function rejection(spec: ServiceSpec, environment: string, failures: CheckResult[]): CutoverError {
  return new CutoverError(ErrorCode.DeploymentRejected, `${spec.name} cannot be deployed to ${environment} (${failures.length} check${failures.length > 1 ? 's' : ''} failed); nothing was started`, {
    context: { service: spec.name, environment },
    problems: failures.map((failure) => ({ path: failure.check, message: failure.message })),
  });
}
