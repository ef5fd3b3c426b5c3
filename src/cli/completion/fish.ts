import { spellings } from '../command-tree.ts';
import { flagsOf, takesContext, takesFile, valuedSpellings, type CompletionTable } from './table.ts';
import { fishQuote } from './shell.ts';

/**
 * The fish completion script: `__cutover_complete` walks the tokens typed so
 * far (`commandline -opc`) as bash's `_cutover` does and prints the
 * candidates, with their descriptions after a tab; one `complete` line binds it.
 */
export function fishScript(table: CompletionTable): string {
  const byPath = (fn: string, lines: (entry: CompletionTable['entries'][number]) => string[]) =>
    `function ${fn}\n    switch "$argv[1]"\n${table.entries
      .map((entry) => [entry.path, lines(entry)] as const)
      .filter(([, words]) => words.length)
      .map(([path, words]) => `        case ${fishQuote(path)}\n            printf '%s\\n' ${words.map(fishQuote).join(' ')}`)
      .join('\n')}\n    end\nend`;
  const described = (items: { name: string; description: string }[]) => items.map((item) => `${item.name}\t${item.description.replace(/\s+/g, ' ')}`);
  const flagLines = (entry: CompletionTable['entries'][number]) =>
    described(flagsOf(table, entry).flatMap((flag) => spellings(flag).map((name) => ({ name, description: flag.description }))));
  // A command's own flags first; then the global ones, after any command.
  const choices = [
    ...table.entries.flatMap((entry) =>
      entry.flags
        .filter((flag) => flag.choices)
        .flatMap((flag) => spellings(flag).map((spelling) => `        case ${fishQuote(`${entry.path} ${spelling}`)}\n            printf '%s\\n' ${flag.choices!.map(fishQuote).join(' ')}`)),
    ),
    ...table.global.flatMap((flag) =>
      spellings(flag).flatMap((spelling) =>
        flag.choices
          ? [`        case ${fishQuote(`* ${spelling}`)}\n            printf '%s\\n' ${flag.choices.map(fishQuote).join(' ')}`]
          : takesContext(flag)
            ? [`        case ${fishQuote(`* ${spelling}`)}\n            __cutover_contexts`]
            : [],
      ),
    ),
  ];
  const args = table.entries.flatMap((entry) =>
    entry.arguments.flatMap((argument, index) =>
      argument.choices || argument.files
        ? [`        case ${fishQuote(`${entry.path} ${index}`)}\n            printf '%s\\n' ${(argument.choices ?? ['<files>']).map(fishQuote).join(' ')}`]
        : argument.contexts
          ? [`        case ${fishQuote(`${entry.path} ${index}`)}\n            __cutover_contexts`]
          : [],
    ),
  );
  return `# cutover completion for fish. Install: cutover completion fish > ~/.config/fish/completions/cutover.fish
${byPath('__cutover_subcommands', (entry) => described(entry.subcommands))}
${byPath('__cutover_subcommand_names', (entry) => entry.subcommands.map((s) => s.name))}
${byPath('__cutover_flags', flagLines)}
${byPath('__cutover_valued', (entry) => [...valuedSpellings(entry.flags), ...valuedSpellings(table.global)])}
${byPath('__cutover_files', (entry) => [...entry.flags, ...table.global].filter(takesFile).flatMap(spellings))}
function __cutover_contexts
    command cutover context list -o json 2>/dev/null | string match -r -g '"name": "(.*)",'
end
function __cutover_choices
    switch "$argv[1] $argv[2]"
${choices.join('\n')}
    end
end
function __cutover_arguments
    switch "$argv[1] $argv[2]"
${args.join('\n')}
    end
end
function __cutover_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmd ''
    set -l flag ''
    set -l positional 0
    set -l i 2
    set -l n (count $tokens)
    while test $i -le $n
        set -l word $tokens[$i]
        if string match -q -- '-*' $word; and not string match -q -- '*=*' $word
            if contains -- $word (__cutover_valued $cmd)
                if test $i -eq $n
                    set flag $word
                    break
                end
                set i (math $i + 1)
            end
        else if not string match -q -- '-*' $word
            if test $positional -eq 0; and contains -- $word (__cutover_subcommand_names $cmd)
                set cmd (string trim -- "$cmd $word")
            else
                set positional (math $positional + 1)
            end
        end
        set i (math $i + 1)
    end
    if test -z "$flag"; and string match -q -- '-*=*' $cur
        set -l parts (string split -m1 = -- $cur)
        for value in (__cutover_choices $cmd $parts[1])
            printf '%s=%s\\n' $parts[1] $value
        end
        return
    end
    if test -n "$flag"
        set -l values (__cutover_choices $cmd $flag)
        if test (count $values) -gt 0
            printf '%s\\n' $values
        else if contains -- $flag (__cutover_files $cmd)
            __fish_complete_path $cur
        end
    else if string match -q -- '-*' $cur
        __cutover_flags $cmd
    else
        set -l args (__cutover_arguments $cmd $positional)
        if test "$args" = '<files>'
            __fish_complete_path $cur
        else
            printf '%s\\n' $args
            test $positional -eq 0; and __cutover_subcommands $cmd
        end
    end
end
complete -c cutover -e
complete -c cutover -f -a '(__cutover_complete)'
`;
}
