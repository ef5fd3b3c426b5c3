import { resolve } from 'node:path';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { StatusView } from '../api/views.ts';
import type { ApiClient } from './api-client.ts';

/** A spec file read and validated here, and its artifact uploaded: what the server needs to deploy it or test it. */
export interface UploadedSpec {
  /** The service the spec deploys (`metadata.name`), and the environment it deploys to. */
  service: string;
  environment: string;
  version: string;
  /** The spec document as validated, for the server (which validates it again). */
  document: unknown;
  artifact: {
    /** SHA-256 of the uploaded bytes, hex. */
    digest: string;
    size: number;
    /** The minisign signature beside a prepared archive (`<file>.minisig`), when there is one. */
    signature?: string;
  };
}

/** A deployment the server accepted and started. */
export interface StartedDeployment extends UploadedSpec {
  deployment: number;
  revision: number;
  status: StatusView;
}

/** A spec file read and validated here, and its artifact packed: what the server needs to judge it. */
export type ReadSpec = UploadedSpec & { data: Buffer };

/**
 * Reads and validates a spec file (YAML or JSON) and packs its
 * `artifact.path` (or reads a prepared archive); the digest is that of the
 * bytes an upload would send. Invalid specs fail here with every field
 * problem, before the server is contacted. Nothing is sent.
 */
export async function readSpecFile(file: string, environment?: string): Promise<ReadSpec> {
  // The spec (zod, YAML, CEL) and the packer (tar) load on first use, so that a CLI
  // printing its help or a status never loads them.
  const [{ loadSpecFile }, { readArtifact }, { createHash }] = await Promise.all([import('../spec/index.ts'), import('../supply-chain/artifact-source.ts'), import('node:crypto')]);
  const loaded = await loadSpecFile(file);
  const { spec, baseDir } = loaded;
  const target = deployedEnvironment(loaded.document, environment);
  const document = target === undefined ? loaded.document : withEnvironment(loaded.document, target);
  const base = { service: spec.name, environment: target ?? spec.environment, version: spec.version, document };
  if ('image' in spec.artifact) {
    // An image by digest: nothing to upload; the server checks the digest (and its signature) against the environment.
    const digest = spec.artifact.image.slice(spec.artifact.image.lastIndexOf('@sha256:') + '@sha256:'.length);
    const signature = spec.artifact.signature === undefined ? undefined : await readSignature(resolve(baseDir, spec.artifact.signature));
    return { ...base, data: Buffer.alloc(0), artifact: { digest, size: 0, ...(signature ? { signature } : {}) } };
  }
  const { data, signature } = await readArtifact(resolve(baseDir, spec.artifact.path));
  const digest = createHash('sha256').update(data).digest('hex');
  return { ...base, data, artifact: { digest, size: data.length, ...(signature ? { signature } : {}) } };
}

/** An image artifact's signature file (`artifact.signature`), or the error naming it. */
async function readSignature(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return await readFile(path, 'utf8').catch((error: unknown) => {
    throw new CutoverError(ErrorCode.InvalidSpec, `spec.artifact.signature ${path} cannot be read (${(error as Error).message}); point it at the minisign signature of the image's digest, relative to the spec file`, {
      problems: [{ path: 'spec.artifact.signature', message: `expected a readable minisign signature file, got ${path}` }],
    });
  });
}

/** Reads a spec file as readSpecFile does and uploads its artifact (stored by SHA-256); an image by digest uploads nothing. */
export async function uploadSpecFile(client: ApiClient, file: string, environment?: string): Promise<UploadedSpec> {
  const { data, ...read } = await readSpecFile(file, environment);
  // An image by digest has no bytes here (a packed artifact is never empty: gzip has a header).
  if (data.length === 0) return read;
  const { digest } = await client.upload<{ digest: string }>('/v1/artifacts', data);
  return { ...read, artifact: { ...read.artifact, digest } };
}

/** Where a spec deploys: --env, else the spec's own `spec.environment`, else CUTOVER_ENV (undefined: the spec's default). */
function deployedEnvironment(document: unknown, option: string | undefined): string | undefined {
  if (option) return option;
  const named = (document as { spec?: { environment?: unknown } } | null)?.spec?.environment;
  if (typeof named === 'string') return undefined;
  return process.env.CUTOVER_ENV || undefined;
}

function withEnvironment(document: unknown, environment: string): unknown {
  const copy = structuredClone(document) as { spec?: Record<string, unknown> };
  copy.spec = { ...(copy.spec ?? {}), environment };
  return copy;
}

/**
 * `cutover apply`'s work: uploads a spec file's artifact and starts a
 * deployment of it; follow it with followDeployment. `supersede: false`
 * refuses (409) while a deployment is in flight instead of superseding it.
 */
export async function deploySpecFile(client: ApiClient, file: string, environment?: string, options: { supersede?: boolean } = {}): Promise<StartedDeployment> {
  const uploaded = await uploadSpecFile(client, file, environment);
  const body = { spec: uploaded.document, artifact: uploaded.artifact, ...(options.supersede === false ? { supersede: false } : {}) };
  const started = await client.request<{ deployment: number; revision: number; status: StatusView }>('POST', '/v1/apply', body);
  return { ...uploaded, ...started };
}
