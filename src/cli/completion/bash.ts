import { spellings } from '../command-tree.ts';
import { takesContext, takesFile, valuedSpellings, type CompletionTable } from './table.ts';
import { shellCase, shellQuote } from './shell.ts';

/**
 * The bash completion script: `_cutover`, bound to `cutover` with
 * `complete -F`. It walks the words typed so far to find the command (a
 * word that names a subcommand of the path so far extends it; a flag that
 * takes a value skips it, also written `--flag=value`, which bash splits at
 * `=`), then offers that command's subcommands, flags, or the values of the
 * flag being completed. Everything it knows is generated from the command tree.
 */
export function bashScript(table: CompletionTable): string {
  return `# cutover completion for bash. Install: source <(cutover completion bash)
# or: cutover completion bash > ~/.local/share/bash-completion/completions/cutover
${posixTableFunctions(table)}
_cutover() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd='' word flag='' i=1 positional=0 next
  COMPREPLY=()
  while (( i < COMP_CWORD )); do
    word=\${COMP_WORDS[i]}
    if [[ $word == -* && $word != *=* ]]; then
      if [[ " $(_cutover_valued "$cmd") " == *" $word "* ]]; then
        next=$(( i + 1 ))
        [[ \${COMP_WORDS[next]} == = ]] && next=$(( i + 2 ))
        if (( next >= COMP_CWORD )); then flag=$word; break; fi
        i=$next
      fi
    elif [[ $word != -* && $word != = ]]; then
      if (( positional == 0 )) && [[ " $(_cutover_subcommands "$cmd") " == *" $word "* ]]; then
        cmd=\${cmd:+$cmd }$word
      else
        positional=$(( positional + 1 ))
      fi
    fi
    i=$(( i + 1 ))
  done
  [[ $cur == = ]] && cur=''
  local IFS=$' \\t\\n'
  if [[ -n $flag ]]; then
    local values; values=$(_cutover_choices "$cmd" "$flag")
    if [[ -n $values ]]; then COMPREPLY=($(compgen -W "$values" -- "$cur"))
    elif [[ $values == '' && " $(_cutover_files "$cmd") " == *" $flag "* ]]; then COMPREPLY=($(compgen -f -- "$cur"))
    fi
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_cutover_flags "$cmd")" -- "$cur"))
  else
    local values; values=$(_cutover_arguments "$cmd" "$positional")
    if [[ $values == '<files>' ]]; then COMPREPLY=($(compgen -f -- "$cur"))
    else
      (( positional == 0 )) && values="$values $(_cutover_subcommands "$cmd")"
      COMPREPLY=($(compgen -W "$values" -- "$cur"))
    fi
  fi
}
complete -F _cutover cutover
`;
}

/**
 * The lookup functions bash and zsh share (both read this syntax): for a
 * command path, its subcommands, flags, flags that take a value, flags that
 * take a file, the values of a flag, the values of the Nth argument.
 */
export function posixTableFunctions(table: CompletionTable): string {
  const globalValued = valuedSpellings(table.global).join(' ');
  // Each branch prints the command's words and then the global ones, on one line; other paths print only the global ones.
  const byPath = (fn: string, pick: (entry: CompletionTable['entries'][number]) => string, global = '') =>
    `${fn}() {\n  case "$1" in\n${table.entries
      .map((entry) => [entry.path, pick(entry)] as const)
      .filter(([, words]) => words)
      .map(([path, words]) => shellCase(path, `echo ${shellQuote([words, global].filter(Boolean).join(' '))}`))
      .join('\n')}${global ? `\n    *) echo ${shellQuote(global)} ;;` : ''}\n  esac\n}`;
  // A command's own flags first; then the global ones, after any command (`*' --context'`).
  const choices = [
    ...table.entries.flatMap((entry) =>
      entry.flags.filter((flag) => flag.choices).flatMap((flag) => spellings(flag).map((spelling) => shellCase(`${entry.path} ${spelling}`, `echo ${shellQuote(flag.choices!.join(' '))}`))),
    ),
    ...table.global.flatMap((flag) =>
      spellings(flag).flatMap((spelling) =>
        flag.choices ? [`    *${shellQuote(` ${spelling}`)}) echo ${shellQuote(flag.choices.join(' '))} ;;`] : takesContext(flag) ? [`    *${shellQuote(` ${spelling}`)}) _cutover_contexts ;;`] : [],
      ),
    ),
  ];
  const args = table.entries.flatMap((entry) =>
    entry.arguments.flatMap((argument, index) =>
      argument.choices
        ? [shellCase(`${entry.path} ${index}`, `echo ${shellQuote(argument.choices.join(' '))}`)]
        : argument.files
          ? [shellCase(`${entry.path} ${index}`, "echo '<files>'")]
          : argument.contexts
            ? [shellCase(`${entry.path} ${index}`, '_cutover_contexts')]
            : [],
    ),
  );
  return [
    byPath('_cutover_subcommands', (entry) => entry.subcommands.map((s) => s.name).join(' ')),
    byPath('_cutover_flags', (entry) => entry.flags.flatMap(spellings).join(' '), table.global.flatMap(spellings).join(' ')),
    byPath('_cutover_valued', (entry) => valuedSpellings(entry.flags).join(' '), globalValued),
    byPath('_cutover_files', (entry) => entry.flags.filter(takesFile).flatMap(spellings).join(' '), table.global.filter(takesFile).flatMap(spellings).join(' ')),
    // Context names are read when asked for, from what `cutover context list` prints (the config file may change between TABs).
    `_cutover_contexts() {\n  command cutover context list -o json 2>/dev/null | sed -n 's/^ *"name": "\\(.*\\)",$/\\1/p'\n}`,
    `_cutover_choices() {\n  case "$1 $2" in\n${choices.join('\n')}\n  esac\n}`,
    `_cutover_arguments() {\n  case "$1 $2" in\n${args.join('\n')}\n  esac\n}`,
  ].join('\n');
}
