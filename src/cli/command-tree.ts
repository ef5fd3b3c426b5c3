import { Help, type Command, type Option } from 'commander';

/** A visible flag as completion sees it: its spellings, whether it takes a value, and the values it allows when they are a fixed list. */
export interface FlagNode {
  long: string | null;
  short: string | null;
  description: string;
  takesValue: boolean;
  /** What the value is, from the flag's `<placeholder>` (`file`, `environment`), or null. */
  valueName: string | null;
  choices: readonly string[] | null;
}

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
  /** The same flags, one entry per option (both spellings together). */
  options: FlagNode[];
  /** Positional arguments, with the values they allow when they are a fixed list (`completion <shell>`). */
  arguments: { name: string; choices: readonly string[] | null }[];
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
      const options = help.visibleOptions(sub).filter((option) => option.long !== '--help').map(flagNode);
      return {
        path: path.join(' '),
        name: sub.name(),
        description: sub.description(),
        flags: options.flatMap(spellings),
        valued: options.filter((option) => option.takesValue).flatMap((option) => spellings(option).map((flag) => ({ flag, choices: option.choices }))),
        options,
        arguments: sub.registeredArguments.map((argument) => ({ name: argument.name(), choices: argument.argChoices ?? null })),
        subcommands: commandTree(sub, path),
      };
    });
}

/** The flags `cutover` itself takes, accepted before or after any command (`--server`, `--context`, `--version`). */
export function globalFlags(program: Command): FlagNode[] {
  return help.visibleOptions(program).filter((option) => option.long !== '--help').map(flagNode);
}

/** Every command and subcommand, depth first. */
export function allCommands(nodes: readonly CommandNode[]): CommandNode[] {
  return nodes.flatMap((node) => [node, ...allCommands(node.subcommands)]);
}

/** A flag's spellings, long first. */
export function spellings(flag: FlagNode): string[] {
  return [flag.long, flag.short].filter((spelling): spelling is string => Boolean(spelling));
}

function flagNode(option: Option): FlagNode {
  const takesValue = option.required || option.optional;
  const valueName = takesValue ? (/[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1] ?? null) : null;
  return { long: option.long ?? null, short: option.short ?? null, description: option.description, takesValue, valueName, choices: option.argChoices ?? null };
}
