import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../core/entry.ts';
import { allCommands, commandTree, type CommandNode } from './command-tree.ts';
import { createCli } from './program.ts';

const tree = commandTree(createCli().program);
/** What a user runs: every visible command without subcommands (`env` alone only prints help; `env list` is the command). */
const COMMANDS = allCommands(tree).filter((node) => node.subcommands.length === 0).map((node) => node.path);

/** The command forms of the README's CLI table: each backquoted form in the first column of a `| \`cutover …` row. */
function readmeForms(): { row: number; form: string }[] {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## CLI\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const rows = section.split('\n').filter((line) => line.startsWith('| `cutover '));
  return rows.flatMap((line, row) => [...line.split(' | ')[0]!.matchAll(/`([^`]+)`/g)].map((m) => ({ row, form: m[1]! })));
}

/** The visible command a form names (`cutover lock acquire SERVICE …` or `lock release …`): the longest run of words down the tree. */
function commandOf(form: string): { node: CommandNode | null; rest: string[] } {
  const words = form.replace(/\\\|/g, '|').split(/\s+/);
  if (words[0] === 'cutover') words.shift();
  let nodes = tree;
  let node: CommandNode | null = null;
  for (let next = nodes.find((n) => n.name === words[0]); next; next = nodes.find((n) => n.name === words[0])) {
    node = next;
    nodes = next.subcommands;
    words.shift();
  }
  return { node, rest: words };
}

describe("the README's CLI table", () => {
  const forms = readmeForms().map((entry) => ({ ...entry, ...commandOf(entry.form) }));

  it('names only commands that exist, each down to a command that runs (not a group, not a former name)', () => {
    expect(forms.length).toBeGreaterThan(40);
    for (const { form, node, rest } of forms) {
      expect({ form, command: node?.path ?? null, runs: node ? node.subcommands.length === 0 : false }, `README: ${form}: ${rest[0] ?? ''}`).toEqual({ form, command: node?.path ?? null, runs: true });
      expect(node).not.toBeNull();
    }
  });

  it('lists every command exactly once', () => {
    const listed = forms.map(({ node }) => node?.path).filter((path): path is string => Boolean(path));
    const counts = Object.fromEntries(COMMANDS.map((path) => [path, listed.filter((p) => p === path).length]));
    expect(counts).toEqual(Object.fromEntries(COMMANDS.map((path) => [path, 1])));
  });
});
