import { Help, type Command } from 'commander';

/** A command as help, completion and the README test see it: visible subcommands and flags only. */
export interface CommandNode {
  /** The words after `cutover`: `signing-key add`. */
  path: string;
  name: string;
  description: string;
  /** Visible flags, long and short (`--env`, `-o`). */
  flags: string[];
  /** Flags that take a value (`--env <environment>`), with the values they allow when they are a fixed list. */
  valued: { flag: string; choices: readonly string[] | null }[];
  subcommands: CommandNode[];
}

const help = new Help();

/**
 * The visible command tree of `program`, read from commander itself, so a
 * command registered anywhere appears in completion and in the README check
 * without a list to keep up to date. Hidden commands (former names) are left out.
 */
export function commandTree(command: Command, prefix: string[] = []): CommandNode[] {
  return help
    .visibleCommands(command)
    .filter((sub) => sub.name() !== 'help')
    .map((sub) => {
      const path = [...prefix, sub.name()];
      const options = help.visibleOptions(sub).filter((option) => option.long !== '--help');
      return {
        path: path.join(' '),
        name: sub.name(),
        description: sub.description(),
        flags: options.flatMap((option) => [option.long, option.short].filter((flag): flag is string => Boolean(flag))),
        valued: options
          .filter((option) => option.required || option.optional)
          .flatMap((option) => [option.long, option.short].filter((flag): flag is string => Boolean(flag)).map((flag) => ({ flag, choices: option.argChoices ?? null }))),
        subcommands: commandTree(sub, path),
      };
    });
}

/** Every command and subcommand, depth first. */
export function allCommands(nodes: readonly CommandNode[]): CommandNode[] {
  return nodes.flatMap((node) => [node, ...allCommands(node.subcommands)]);
}
