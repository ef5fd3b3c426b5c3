import { spawnSync } from 'node:child_process';
import { describe, it, type TestFunction } from 'vitest';

/**
 * The programs some tests run, each with a harmless command that proves it
 * works and the Debian package that installs it (.ci/run installs them all).
 * A test that needs one declares it with `requireTool`.
 */
export const TOOLS = {
  minisign: { probe: ['-v'], debian: 'minisign' },
  age: { probe: ['--version'], debian: 'age' },
  'age-keygen': { probe: ['--version'], debian: 'age' },
  promtool: { probe: ['--version'], debian: 'prometheus' },
  prometheus: { probe: ['--version'], debian: 'prometheus' },
  openssl: { probe: ['version'], debian: 'openssl' },
  haproxy: { probe: ['-v'], debian: 'haproxy' },
  'systemd-analyze': { probe: ['--version'], debian: 'systemd' },
  chromium: { probe: ['--version'], debian: 'chromium' },
  script: { probe: ['-qec', 'true', '/dev/null'], debian: 'bsdutils' },
  zsh: { probe: ['-f', '-c', 'true'], debian: 'zsh' },
  fish: { probe: ['--version'], debian: 'fish' },
  bwrap: { probe: ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', 'true'], debian: 'bubblewrap' },
} as const;
export type Tool = keyof typeof TOOLS;

/** CI must never pass by skipping: there a missing tool fails the tests that need it. */
export const IN_CI = ['1', 'true'].includes((process.env.CI ?? '').toLowerCase());

/** `describe` and `it` for tests that need some tools, and whether they are all on PATH. */
export interface ToolGate {
  readonly available: boolean;
  describe(name: string, body: () => void): void;
  it(name: string, body: TestFunction, timeout?: number): void;
}

const probed = new Map<Tool, boolean>();

function isOnPath(tool: Tool): boolean {
  let found = probed.get(tool);
  if (found === undefined) {
    const run = spawnSync(tool, TOOLS[tool].probe, { stdio: 'ignore', timeout: 10_000 });
    found = run.error === undefined && run.status === 0;
    probed.set(tool, found);
  }
  return found;
}

/**
 * Gates tests on tools: with every tool on PATH, the gate's `describe` and
 * `it` are vitest's own. Without one, outside CI, the tests are skipped and a
 * warning names the tool and its package; under CI=true each of them fails
 * with the same words.
 */
export function requireTool(...tools: [Tool, ...Tool[]]): ToolGate {
  const missing = tools.filter((tool) => !isOnPath(tool));
  if (missing.length === 0) return { available: true, describe, it };
  const packages = [...new Set(missing.map((tool) => TOOLS[tool].debian))].join(' ');
  const names = missing.map((tool) => `\`${tool}\``).join(' and ');
  const why = `${names}, which ${missing.length === 1 ? 'is' : 'are'} not on PATH (install with \`apt-get install ${packages}\`, as .ci/run does)`;
  if (IN_CI) {
    const fail = () => {
      throw new Error(`this test needs ${why}. Under CI=true a missing tool fails the tests that need it instead of skipping them.`);
    };
    return {
      available: false,
      describe: (name) => describe(name, () => it(`has ${tools.join(', ')}`, fail)),
      it: (name) => it(name, fail),
    };
  }
  console.warn(`SKIPPED: the tests here that need ${why}`);
  return {
    available: false,
    describe: (name, body) => describe.skip(name, body),
    it: (name, body, timeout) => it.skip(name, body, timeout),
  };
}
