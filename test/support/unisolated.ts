import type { CommandSandbox } from '../../src/core/run-command.ts';

/**
 * Runs commands as given, as the test's own user: for unit tests of what
 * hooks and providers do with a command's outcome. Isolation itself is tested
 * end to end through a real server (test/isolation.test.ts).
 */
export const UNISOLATED: CommandSandbox = {
  plan: ({ command, dir, env }) => ({ program: command[0]!, args: command.slice(1), cwd: dir, env: { PATH: process.env.PATH ?? '', ...env } }),
};
