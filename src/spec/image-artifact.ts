import type { ServiceSpec } from './types.ts';

/** An image named by its digest: `name@sha256:<64 hex>` (the name as Docker writes it, a tag allowed before the digest). */
export const IMAGE_BY_DIGEST = /^([a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?)@sha256:([a-f0-9]{64})$/;

/** A spec's `artifact.image`: an image by digest that runs as it is, instead of files mounted on a base image. */
export interface ImageArtifact {
  /** As written: `name@sha256:<hex>`. */
  reference: string;
  /** The name before `@` (shown, and offered to policies; the digest decides what runs). */
  name: string;
  /** The 64 hex digits: the revision's digest, what signatures and `requiresSuccessIn` are about. */
  digest: string;
}

/** The spec's image artifact, or undefined when its artifact is files (`artifact.path`). */
export function imageArtifactOf(spec: Pick<ServiceSpec, 'artifact'>): ImageArtifact | undefined {
  if (!('image' in spec.artifact)) return undefined;
  const match = IMAGE_BY_DIGEST.exec(spec.artifact.image);
  // Validated specs always match; a stored spec is one of them.
  if (!match) return undefined;
  return { reference: spec.artifact.image, name: match[1]!, digest: match[2]! };
}

/** What a signature of an image artifact signs: the text `sha256:<hex>` (no newline), the digest as Docker prints it. */
export function signedImageText(digest: string): Buffer {
  return Buffer.from(`sha256:${digest}`, 'utf8');
}
