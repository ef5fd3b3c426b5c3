import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Help, type Command, type Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../core/entry.ts';
import { createCli } from './program.ts';

const program = createCli().program;

/** Every visible command with its full name (`artifact pack`), depth first; former names (hidden) are left out. */
function commandsOf(command: Command, prefix: string[] = []): { name: string; command: Command }[] {
  return new Help().visibleCommands(command).filter((sub) => sub.name() !== 'help').flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return [{ name: path.join(' '), command: sub }, ...commandsOf(sub, path)];
  });
}

const ALL = commandsOf(program);
const options = ALL.flatMap(({ name, command }) => command.options.map((option: Option) => ({ name, option })));

/** Commands that took `-o FILE` before `-o` meant a format everywhere: still accepted, hidden, as README examples once showed it. */
const FORMER_OUT = ['artifact pack', 'artifact export'];

describe('the cutover command line', () => {
  it('has every command group registered', () => {
    expect(ALL.map((c) => c.name)).toEqual(expect.arrayContaining(['server', 'apply', 'status', 'history', 'env show', 'lock acquire', 'user add', 'signing-key add', 'encryption-key rotate', 'audit verify', 'artifact pack', 'scan', 'policy test', 'schema', 'router', 'demo']));
  });

  it('uses -o only for the output format, text, json or yaml, defaulting to text', () => {
    const dashO = options.filter(({ option }) => option.short === '-o' && !option.hidden);
    expect(dashO.length).toBeGreaterThanOrEqual(7);
    for (const { name, option } of dashO) {
      expect({ name, flags: option.flags, choices: option.argChoices, default: option.defaultValue }).toEqual({ name, flags: '-o, --output <format>', choices: ['text', 'json', 'yaml'], default: 'text' });
    }
    const hidden = options.filter(({ option }) => option.short === '-o' && option.hidden).map(({ name }) => name);
    expect(hidden).toEqual(FORMER_OUT);
  });

  it('writes files only through --out', () => {
    for (const { name, option } of options.filter(({ option }) => /<(file|path)>/.test(option.flags) && !option.hidden)) {
      // A file the command reads (a spec, a config, a certificate) has its own name; one it writes is --out.
      const writes = /where to write/.test(option.description);
      expect({ name, flags: option.flags, writes }).toEqual({ name, flags: writes ? '--out <file>' : option.flags, writes });
    }
    expect(options.filter(({ option }) => option.long === '--out').map(({ name }) => name).sort()).toEqual(['artifact export', 'artifact pack', 'signing-key add']);
  });

  it('takes --env on every command that names a service or deploys a spec (issue 10: identity is (service, environment))', () => {
    // promote-env names both environments itself (--from, --to); pipeline shows every environment of the
    // service; validate checks the spec offline for every environment it overrides.
    const ACROSS_ENVIRONMENTS = ['promote-env', 'pipeline', 'validate'];
    const namesService = ALL.filter(({ command }) => command.registeredArguments[0]?.name() === 'service').map(({ name }) => name);
    const deploysSpec = ALL.filter(({ command }) => command.options.some((option) => option.long === '--file')).map(({ name }) => name);
    const needsEnv = [...new Set([...namesService, ...deploysSpec])].filter((name) => !ACROSS_ENVIRONMENTS.includes(name));
    expect(needsEnv).toEqual(expect.arrayContaining(['status', 'history', 'logs', 'delete', 'promote', 'pause', 'retry', 'restart', 'abort', 'rollback', 'lock acquire', 'apply', 'plan', 'policy test']));
    for (const name of needsEnv) {
      const command = ALL.find((c) => c.name === name)!.command;
      expect({ name, env: command.options.find((option) => option.long === '--env')?.flags }).toEqual({ name, env: '--env <environment>' });
    }
  });

  it('prints help for every command', () => {
    for (const { command } of ALL) expect(command.helpInformation()).toMatch(/^Usage: /);
  });

  it("knows every command and flag the README's CLI section names", () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## CLI\n'), readme.indexOf('\n## ', readme.indexOf('\n## CLI\n') + 1));
    const rows = section.split('\n').filter((line) => line.startsWith('| `cutover '));
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) {
      const forms = [...row.split(' | ')[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      for (const form of forms) {
        // Each form names its command in full, or after `cutover`: `cutover lock acquire …` / `lock release …`.
        const words = form.replace(/\\\|/g, '|').split(/\s+/);
        if (words[0] === 'cutover') words.shift();
        let command: Command = program;
        for (let sub = command.commands.find((c) => c.name() === words[0]); sub; sub = command.commands.find((c) => c.name() === words[0])) {
          command = sub;
          words.shift();
        }
        expect(command, `README: ${form}`).not.toBe(program);
        for (const flag of words.filter((w) => /^\[?-/.test(w)).map((w) => w.replace(/^\[/, '').replace(/\]$/, '').split('|')[0]!)) {
          const known = [...command.options, ...program.options].some((option) => (option.short === flag || option.long === flag) && !option.hidden);
          expect(known, `README: ${form}: ${flag}`).toBe(true);
        }
      }
    }
  });
});
