import { describe, expect, it } from 'vitest';
import { CutoverError } from '../core/errors.ts';
import { imageArtifactOf, signedImageText } from './image-artifact.ts';
import { validateSpec } from './load.ts';

const DIGEST = 'a'.repeat(64);
const base = {
  apiVersion: 'cutover/v1',
  kind: 'Service',
  metadata: { name: 'hello' },
  spec: { version: '1.0.0', artifact: { path: '.' }, run: { command: ['node', 'server.js'] }, port: 8080 },
};

function problemsOf(spec: Record<string, unknown>): { path: string; message: string }[] {
  try {
    validateSpec({ ...base, spec: { ...base.spec, ...spec } });
  } catch (error) {
    if (error instanceof CutoverError) return error.problems;
    throw error;
  }
  return [];
}

describe('artifact.image: an image by digest instead of an artifact', () => {
  it('normalizes to the image, whose digest is the revision\'s', () => {
    const { spec } = validateSpec({ ...base, spec: { ...base.spec, artifact: { image: `example/hello:1@sha256:${DIGEST}`, signature: './hello.image.minisig' } } });
    expect(spec.artifact).toEqual({ image: `example/hello:1@sha256:${DIGEST}`, signature: './hello.image.minisig' });
    expect(imageArtifactOf(spec)).toEqual({ reference: `example/hello:1@sha256:${DIGEST}`, name: 'example/hello:1', digest: DIGEST });
    expect(imageArtifactOf({ artifact: { path: '.' } })).toBeUndefined();
    expect(signedImageText(DIGEST).toString()).toBe(`sha256:${DIGEST}`);
  });

  it('refuses a tag without a digest, saying how to get the digest', () => {
    const problems = problemsOf({ artifact: { image: 'example/hello:1' } });
    expect(problems).toEqual([{ path: 'spec.artifact.image', message: expect.stringMatching(/expected an image by digest .*a tag can point at other contents later.*docker inspect --format '\{\{\.Id\}\}' example\/hello:1/) }]);
    expect(problemsOf({ artifact: { image: 'example/hello@sha256:abc' } })[0]?.message).toMatch(/whose digest is not 64 lowercase hex digits/);
    expect(problemsOf({ artifact: { image: `Example/Hello@sha256:${DIGEST}` } })).toHaveLength(1);
  });

  it('takes files or an image, not both or neither; no run.image beside it; a signature path only with an image', () => {
    expect(problemsOf({ artifact: { path: '.', image: `example/hello@sha256:${DIGEST}` } })).toEqual([{ path: 'spec.artifact', message: 'expected exactly one of path or image, got path and image' }]);
    expect(problemsOf({ artifact: {} })).toEqual([{ path: 'spec.artifact', message: 'expected exactly one of path or image, got none' }]);
    expect(problemsOf({ artifact: { image: `example/hello@sha256:${DIGEST}` }, run: { command: ['node', 'server.js'], image: 'cutover/base-node:20' } })).toEqual([
      { path: 'spec.run.image', message: expect.stringContaining('expected no run.image with artifact.image') },
    ]);
    expect(problemsOf({ artifact: { path: '.', signature: './x.minisig' } })).toEqual([{ path: 'spec.artifact.signature', message: expect.stringContaining('only with artifact.image') }]);
  });
});
