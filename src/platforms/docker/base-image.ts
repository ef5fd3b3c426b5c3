import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { create as createTar } from 'tar';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import type { DockerEngine} from './engine-api.ts';
import { EngineError } from './engine-api.ts';

/** The image instances run on when neither the spec (`run.image`) nor the environment names one. */
export const BASE_IMAGE = `cutover/base-node:${process.versions.node}`;

/** Where node sits in the base image; PATH in the image finds it as `node`. */
const NODE_IN_IMAGE = '/usr/local/bin/node';

/** The shared libraries a program loads, as `ldd` lists them (absolute paths). */
export function sharedLibraries(program: string): string[] {
  const listing = execFileSync('ldd', [program], { encoding: 'utf8' });
  return listing
    .split('\n')
    .map((line) => /(\/\S+)/.exec(line)?.[1])
    .filter((path): path is string => path !== undefined);
}

/**
 * Builds the base image without a registry: a root filesystem of this
 * host's `node` and the libraries `ldd` lists (nothing else: no shell, no
 * package manager, no users), imported with the Engine API's equivalent of
 * `docker import` under `tag`. Instances mount their artifact on it.
 */
export async function buildBaseImage(engine: DockerEngine, tag: string = BASE_IMAGE): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'cutover-base-image-'));
  try {
    chmodSync(root, 0o755);
    const node = realpathSync(process.execPath);
    const place = (from: string, to: string): void => {
      mkdirSync(join(root, dirname(to)), { recursive: true, mode: 0o755 });
      copyFileSync(realpathSync(from), join(root, to));
    };
    place(node, NODE_IN_IMAGE);
    for (const library of sharedLibraries(node)) place(library, library);
    mkdirSync(join(root, 'tmp'), { mode: 0o1777 });
    chmodSync(join(root, 'tmp'), 0o1777);
    mkdirSync(join(root, 'app'), { mode: 0o755 });
    const [repo, version] = splitTag(tag);
    await engine.call({
      method: 'POST',
      path: '/images/create',
      query: { fromSrc: '-', repo, tag: version, changes: 'ENV PATH=/usr/local/bin:/usr/bin:/bin' },
      stream: createTar({ cwd: root, portable: true }, ['.']),
      timeoutMs: 300_000,
    });
    return tag;
  } catch (error) {
    throw new CutoverError(ErrorCode.Internal, `could not build the base image ${tag} from this host's node (${process.execPath}): ${messageOf(error)}`, { cause: error });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Whether the engine has an image by that name. */
export async function hasImage(engine: DockerEngine, image: string): Promise<boolean> {
  try {
    await engine.call({ path: `/images/${encodeURIComponent(image)}/json` });
    return true;
  } catch (error) {
    if (error instanceof EngineError && error.status === 404) return false;
    throw error;
  }
}

function splitTag(tag: string): [string, string] {
  const colon = tag.lastIndexOf(':');
  return colon > tag.lastIndexOf('/') ? [tag.slice(0, colon), tag.slice(colon + 1)] : [tag, 'latest'];
}

/**
 * The engine's name for an image by digest (`artifact.image`), without a
 * registry: the digest is the image ID (`docker inspect --format
 * '{{.Id}}'`, the SHA-256 of the image's config, which names its layers by
 * their content), the same on every engine after `docker save | docker
 * load`; returned as `sha256:<hex>`, so exactly that content runs whatever
 * tag points where. A registry's manifest digest (a RepoDigest the engine
 * recorded at a pull) is accepted too. The engine pulls nothing here.
 */
export async function resolveImageArtifact(engine: DockerEngine, image: { reference: string; digest: string }, context: Record<string, unknown> = {}): Promise<string> {
  const id = `sha256:${image.digest}`;
  if (await hasImage(engine, id)) return id;
  if (await hasImage(engine, image.reference)) return image.reference;
  throw new CutoverError(
    ErrorCode.InstanceStartFailed,
    `artifact.image ${image.reference} is not in the Docker engine at ${engine.socket}: no image has the ID ${id}, and no image was pulled with that digest; load the image there (docker load, or docker save IMAGE | docker -H … load), and name it by the digest \`docker inspect --format '{{.Id}}' IMAGE\` prints`,
    { context },
  );
}
