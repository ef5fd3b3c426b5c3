import type { Command } from 'commander';
import { allCommands, commandTree, globalFlags, spellings, type FlagNode } from '../command-tree.ts';

/** One command (or the top level, path '') as a completion script needs it. */
export interface CompletionEntry {
  /** The words after `cutover`, '' for `cutover` itself. */
  path: string;
  description: string;
  /** Visible subcommands with their descriptions (hidden former names are not offered). */
  subcommands: { name: string; description: string }[];
  flags: FlagNode[];
  /** Positional arguments in order: their fixed values, or whether they name files or contexts. */
  arguments: { name: string; choices: readonly string[] | null; files: boolean; contexts: boolean }[];
}

/** Everything a completion script knows: every command of the tree, and the flags accepted everywhere. */
export interface CompletionTable {
  entries: CompletionEntry[];
  global: FlagNode[];
}

/** Values that are paths: completed with file names. */
const FILE_LIKE = /^(file|dir|path|directory)$|file$|-dir$/;

/** The table of `program`, read from the command tree, so a new command or flag is completed with nothing else to edit. */
export function completionTable(program: Command): CompletionTable {
  const tree = commandTree(program);
  const entry = (path: string, description: string, sub: ReturnType<typeof commandTree>, flags: FlagNode[], args: CompletionEntry['arguments']): CompletionEntry => ({
    path,
    description,
    subcommands: sub.map((node) => ({ name: node.name, description: node.description })),
    flags,
    arguments: args,
  });
  return {
    entries: [
      entry('', program.description(), tree, [], []),
      ...allCommands(tree).map((node) =>
        entry(node.path, node.description, node.subcommands, node.options, node.arguments.map((a, i) => ({ ...a, files: a.choices === null && FILE_LIKE.test(a.name), contexts: i === 0 && CONTEXT_ARGUMENTS.includes(node.path) }))),
      ),
    ],
    global: globalFlags(program),
  };
}

/** Commands whose first argument is a context name, completed from the config file (through `cutover context list -o json`, at TAB time). */
const CONTEXT_ARGUMENTS = ['context use', 'context remove'];

/** Whether a flag's value is a context name (`--context`). */
export function takesContext(flag: FlagNode): boolean {
  return flag.long === '--context';
}

/** Whether a flag's value is a path. */
export function takesFile(flag: FlagNode): boolean {
  return flag.takesValue && flag.choices === null && flag.valueName !== null && FILE_LIKE.test(flag.valueName);
}

/** Every spelling of the flags that take a value. */
export function valuedSpellings(flags: readonly FlagNode[]): string[] {
  return flags.filter((flag) => flag.takesValue).flatMap(spellings);
}

/** The flags a command accepts: its own, then the global ones. */
export function flagsOf(table: CompletionTable, entry: CompletionEntry): FlagNode[] {
  return [...entry.flags, ...table.global];
}
