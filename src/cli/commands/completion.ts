import { Argument } from 'commander';
import { completionScript, SHELLS, type Shell } from '../completion/index.ts';
import { EXIT } from '../exit.ts';
import type { Cli } from '../cli.ts';

/** `cutover completion bash|zsh|fish`: prints the shell's completion script (README: how to install each). */
export function register(cli: Cli): void {
  const { program, run } = cli;

  program
    .command('completion')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .description('print the completion script for bash, zsh or fish (commands, flags and their values)')
    .action(
      run(async (shell: Shell) => {
        process.stdout.write(completionScript(program, shell));
        return EXIT.ok;
      }),
    );
}
