import type { Command } from 'commander';

/**
 * A command group under its name, and under a former name kept for one
 * release: hidden from help and completion, the same subcommands and flags,
 * and a note on stderr (never stdout, which scripts read) naming the new name.
 */
export function withFormerName(parent: Command, name: string, formerName: string, build: (group: Command) => void): Command {
  const group = parent.command(name);
  build(group);
  const former = parent.command(formerName, { hidden: true });
  build(former);
  former.hook('preAction', () => {
    process.stderr.write(`cutover: \`${formerName}\` is now \`${name}\`; the old name goes away in the next release\n`);
  });
  return group;
}
