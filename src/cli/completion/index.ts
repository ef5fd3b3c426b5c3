/**
 * Shell completion scripts for bash, zsh and fish, generated from the
 * command tree (src/cli/command-tree.ts): commands, subcommands, flags and
 * the values of flags and arguments with a fixed list. Hidden former names
 * are not offered. The scripts are static: a TAB runs no cutover process.
 */
import type { Command } from 'commander';
import { bashScript } from './bash.ts';
import { fishScript } from './fish.ts';
import { zshScript } from './zsh.ts';
import { completionTable } from './table.ts';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** The completion script for `shell`, for the command line `program`. */
export function completionScript(program: Command, shell: Shell): string {
  const table = completionTable(program);
  switch (shell) {
    case 'bash':
      return bashScript(table);
    case 'zsh':
      return zshScript(table);
    case 'fish':
      return fishScript(table);
    default: {
      const unknown: never = shell;
      throw new Error(`no completion for shell ${String(unknown)}`);
    }
  }
}
