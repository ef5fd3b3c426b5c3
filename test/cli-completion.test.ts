import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allCommands, commandTree, spellings } from '../src/cli/command-tree.ts';
import { createCli } from '../src/cli/program.ts';
import { CLI_ENTRY, runCli } from './support/cluster.ts';
import { requireTool } from './support/tools.ts';

/**
 * `cutover completion bash|zsh|fish`, printed by the real CLI and run by the
 * real shells: bash and fish complete through their own machinery (bash's
 * `_cutover` on COMP_WORDS, fish's `complete -C`); zsh runs `_cutover` on
 * `words` with compadd and _files stubbed (they need a live line editor).
 */
const tree = allCommands(commandTree(createCli().program));
const dir = mkdtempSync(join(tmpdir(), 'cutover-completion-'));
const script = (shell: string) => join(dir, `cutover.${shell}`);
/** Context names are completed by running `cutover context list` at TAB time: a `cutover` on PATH, and a config with two contexts. */
const shells = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`, XDG_CONFIG_HOME: join(dir, 'config') };

/** Completes each line (words, the last one being completed) in one bash process; one answer per line, sorted. */
function bashComplete(lines: string[][]): string[][] {
  const calls = lines.map((words) => `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _cutover; echo "\${COMPREPLY[*]}"`);
  const run = spawnSync('bash', ['-c', `source ${script('bash')}\n${calls.join('\n')}`], { encoding: 'utf8', env: shells });
  expect(run.stderr).toBe('');
  return run.stdout.split('\n').slice(0, lines.length).map((line) => line.split(' ').filter(Boolean).sort());
}

describe('cutover completion', () => {
  beforeAll(async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const result = await runCli(['completion', shell]);
      expect(result.code, result.stderr).toBe(0);
      writeFileSync(script(shell), result.stdout);
    }
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'cutover'), `#!/bin/sh\nexec '${process.execPath}' '${CLI_ENTRY}' "$@"\n`);
    chmodSync(join(dir, 'bin', 'cutover'), 0o755);
    for (const name of ['staging', 'prod']) expect((await runCli(['context', 'add', name, '--server', 'http://127.0.0.1:9'], { XDG_CONFIG_HOME: shells.XDG_CONFIG_HOME })).code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a shell it has no script for, with exit 2', async () => {
    const result = await runCli(['completion', 'tcsh']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bash, zsh, fish');
  });

  it('completes commands, subcommands, flags and the values of enum flags in bash', () => {
    const [top, sta, env, output, outputEq, flags, afterGlobal, shellNames, failOn, file, signing, contextFlag, contextUse] = bashComplete([
      ['cutover', ''],
      ['cutover', 'sta'],
      ['cutover', 'env', ''],
      ['cutover', 'status', 'hello', '-o', ''],
      ['cutover', 'status', 'hello', '--output', '=', 'y'],
      ['cutover', 'status', 'hello', '--'],
      ['cutover', '--server', 'http://127.0.0.1:7400', 'status', '--w'],
      ['cutover', 'completion', ''],
      ['cutover', 'scan', 'x', '--fail-on', ''],
      ['cutover', 'apply', '-f', script('ba')],
      ['cutover', 'signing-'],
      ['cutover', 'status', 'hello', '--context', ''],
      ['cutover', 'context', 'use', 'p'],
    ]);
    expect(top).toEqual(expect.arrayContaining(['apply', 'status', 'context', 'completion', 'signing-key', 'encryption-key']));
    // Former names (hidden aliases) are accepted but never offered.
    expect(top).not.toContain('key');
    expect(top).not.toContain('keys');
    expect(sta).toEqual(['status']);
    expect(env).toEqual(['list', 'show']);
    expect(output).toEqual(['json', 'text', 'yaml']);
    expect(outputEq).toEqual(['yaml']);
    expect(flags).toEqual(expect.arrayContaining(['--env', '--output', '--watch', '--timeout', '--server', '--context']));
    expect(afterGlobal).toEqual(['--watch']);
    expect(shellNames).toEqual(['bash', 'fish', 'zsh']);
    expect(failOn).toEqual(['critical', 'high', 'low', 'medium', 'none']);
    expect(file).toEqual([script('bash')]);
    expect(signing).toEqual(['signing-key']);
    // Context names, read from the config file when TAB is pressed.
    expect(contextFlag).toEqual(['prod', 'staging']);
    expect(contextUse).toEqual(['prod']);
  });

  it('offers every visible command of the tree, and every flag of each, in bash', () => {
    const commandLines = tree.map((node) => ['cutover', ...node.path.split(' ')]);
    const flagLines = tree.map((node) => ['cutover', ...node.path.split(' '), '-']);
    const answers = bashComplete([...commandLines, ...flagLines]);
    tree.forEach((node, i) => {
      expect({ path: node.path, offered: answers[i]!.includes(node.name) }).toEqual({ path: node.path, offered: true });
      const flags = node.options.flatMap(spellings);
      expect({ path: node.path, flags: answers[tree.length + i]!.filter((f) => flags.includes(f)).sort() }).toEqual({ path: node.path, flags: [...flags].sort() });
    });
  });

  const zsh = requireTool('zsh');
  zsh.it('parses in zsh and completes through _cutover', () => {
    expect(spawnSync('zsh', ['-n', script('zsh')]).status).toBe(0);
    const complete = (...words: string[]) => {
      const run = spawnSync('zsh', ['-f', '-c', `compadd() { print -r -- "\${(@)@:#--}" }; _files() { print -r -- '<files>' }; compset() { : }; compdef() { : }; source ${script('zsh')}; words=("$@"); CURRENT=$#; _cutover`, 'zsh', ...words], { encoding: 'utf8', env: shells });
      expect(run.stderr).toBe('');
      return run.stdout.split(/\s+/).filter(Boolean).sort();
    };
    expect(complete('cutover', '')).toEqual(expect.arrayContaining(['status', 'context', 'completion']));
    expect(complete('cutover', '')).not.toContain('keys');
    expect(complete('cutover', 'env', '')).toEqual(['list', 'show']);
    expect(complete('cutover', 'list', '-o', '')).toEqual(['json', 'text', 'yaml']);
    expect(complete('cutover', 'list', '--output=')).toEqual(['json', 'text', 'yaml']);
    expect(complete('cutover', 'apply', '-f', '')).toEqual(['<files>']);
    expect(complete('cutover', 'list', '--context', '')).toEqual(['prod', 'staging']);
  });

  const fish = requireTool('fish');
  fish.it('parses in fish and completes with complete -C', () => {
    expect(spawnSync('fish', ['-n', script('fish')]).status).toBe(0);
    const complete = (line: string) => {
      const run = spawnSync('fish', ['-N', '-c', `source ${script('fish')}; complete -C '${line}'`], { encoding: 'utf8', env: shells });
      expect(run.stderr).toBe('');
      return run.stdout.split('\n').filter(Boolean).map((candidate) => candidate.split('\t')[0]!).sort();
    };
    expect(complete('cutover sta')).toEqual(['status']);
    expect(complete('cutover signing-')).toEqual(['signing-key']);
    expect(complete('cutover env ')).toEqual(['list', 'show']);
    expect(complete('cutover status x -o ')).toEqual(['json', 'text', 'yaml']);
    expect(complete('cutover status x --output=')).toEqual(['--output=json', '--output=text', '--output=yaml']);
    expect(complete('cutover completion ')).toEqual(['bash', 'fish', 'zsh']);
    expect(complete('cutover --context ')).toEqual(['prod', 'staging']);
    expect(complete('cutover context remove s')).toEqual(['staging']);
  });
});
