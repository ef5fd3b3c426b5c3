import { describe, expect, it } from 'vitest';
import { allCommands, commandTree } from './command-tree.ts';
import { createCli } from './program.ts';

/** Conventions every command keeps, walked over the command tree so that a new command is held to them. (`--env` on every command naming a service: program.test.ts.) */
const COMMANDS = allCommands(commandTree(createCli().program));

describe('every cutover command', () => {
  it('that waits (--wait, --watch, --follow) takes --timeout', () => {
    const waiting = COMMANDS.filter((node) => node.options.some((flag) => ['--wait', '--watch', '--follow'].includes(flag.long ?? '')));
    expect(waiting.map((node) => node.path)).toEqual(expect.arrayContaining(['apply', 'promote', 'retry', 'restart', 'abort', 'rollback', 'status', 'logs', 'promote-env']));
    for (const node of waiting) expect({ command: node.path, timeout: node.flags.includes('--timeout') }).toEqual({ command: node.path, timeout: true });
  });

  it('that takes --timeout waits for something (a --timeout with nothing to limit would be a lie in --help)', () => {
    for (const node of COMMANDS.filter((n) => n.flags.includes('--timeout'))) {
      expect({ command: node.path, waits: node.flags.some((flag) => ['--wait', '--watch', '--follow'].includes(flag)) }).toEqual({ command: node.path, waits: true });
    }
  });

  it('that prints JSON (-o json) prints YAML too (-o yaml)', () => {
    const json = COMMANDS.filter((node) => node.options.some((flag) => flag.choices?.includes('json')));
    expect(json.length).toBeGreaterThanOrEqual(10);
    for (const node of json) {
      const output = node.options.find((flag) => flag.choices?.includes('json'))!;
      expect({ command: node.path, flag: [output.long, output.short], yaml: output.choices!.includes('yaml') }).toEqual({ command: node.path, flag: ['--output', '-o'], yaml: true });
    }
  });
});
