import { spawnSync } from 'node:child_process';
import { afterAll, describe, it, type TestFunction } from 'vitest';
import { IN_CI, type ToolGate } from './tools.ts';
import { startPrivateEngine, type PrivateEngine } from './private-engine.ts';

export { startPrivateEngine, type PrivateEngine } from './private-engine.ts';

/** A gate like requireTool's, plus the engine it started (for the file's tests); the engine stops after the file. */
export interface DockerGate extends ToolGate {
  engine: PrivateEngine | null;
}

/**
 * Starts a private engine for the calling test file (top-level await) and
 * stops it after the file, whatever its tests did. Without dockerd, or when
 * the engine cannot start here, the file's docker tests are skipped with the
 * engine's own error, and under CI=true they fail with it.
 */
export async function requireDocker(): Promise<DockerGate> {
  let engine: PrivateEngine | null = null;
  let why: string;
  if (spawnSync('dockerd', ['--version'], { stdio: 'ignore', timeout: 10_000 }).status !== 0) {
    why = '`dockerd`, which is not on PATH (install with `apt-get install docker.io`, as .ci/run does)';
  } else if (process.getuid?.() !== 0) {
    why = 'a Docker engine, which only root can start here (run the tests as root)';
  } else {
    try {
      engine = await startPrivateEngine();
      afterAll(async () => await engine?.stop(), 60_000);
      return { available: true, describe, it, engine };
    } catch (error) {
      why = `a Docker engine: ${(error as Error).message}`;
    }
  }
  if (IN_CI) {
    const fail: TestFunction = () => {
      throw new Error(`this test needs ${why}. Under CI=true a missing or broken engine fails the tests that need it instead of skipping them.`);
    };
    return { available: false, engine: null, describe: (name) => describe(name, () => it('has a Docker engine', fail)), it: (name) => it(name, fail) };
  }
  console.warn(`SKIPPED: the tests here that need ${why}`);
  return { available: false, engine: null, describe: (name, body) => describe.skip(name, body), it: (name, body, timeout) => it.skip(name, body, timeout) };
}
