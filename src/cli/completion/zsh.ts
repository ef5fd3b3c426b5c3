import { posixTableFunctions } from './bash.ts';
import type { CompletionTable } from './table.ts';

/**
 * The zsh completion script: the same lookup functions as bash's and the
 * same walk over the words typed so far (`words`, `CURRENT`), offering with
 * `compadd` (and `_files` for a path). Works sourced after compinit, or as
 * `_cutover` in a directory of `fpath`.
 */
export function zshScript(table: CompletionTable): string {
  return `#compdef cutover
# cutover completion for zsh. Install: cutover completion zsh > "\${fpath[1]}/_cutover" (then compinit),
# or, after compinit in ~/.zshrc: source <(cutover completion zsh)
${posixTableFunctions(table)}
_cutover() {
  local cur=\${words[CURRENT]} cmd='' word flag='' args
  local -i i=2 positional=0
  local -a values
  while (( i < CURRENT )); do
    word=\${words[i]}
    if [[ $word == -* && $word != *=* ]]; then
      if [[ " $(_cutover_valued "$cmd") " == *" $word "* ]]; then
        if (( i + 1 >= CURRENT )); then flag=$word; break; fi
        i=$(( i + 1 ))
      fi
    elif [[ $word != -* ]]; then
      if (( positional == 0 )) && [[ " $(_cutover_subcommands "$cmd") " == *" $word "* ]]; then
        cmd=\${cmd:+$cmd }$word
      else
        positional=$(( positional + 1 ))
      fi
    fi
    i=$(( i + 1 ))
  done
  if [[ -z $flag && $cur == -*=* ]]; then
    flag=\${cur%%=*}
    compset -P '*='
  fi
  if [[ -n $flag ]]; then
    values=(\${=$(_cutover_choices "$cmd" "$flag")})
    if (( $#values )); then compadd -- $values
    elif [[ " $(_cutover_files "$cmd") " == *" $flag "* ]]; then _files
    fi
  elif [[ $cur == -* ]]; then
    values=(\${=$(_cutover_flags "$cmd")})
    compadd -- $values
  else
    args=$(_cutover_arguments "$cmd" "$positional")
    if [[ $args == '<files>' ]]; then _files
    else
      values=(\${=args})
      (( positional == 0 )) && values+=(\${=$(_cutover_subcommands "$cmd")})
      compadd -- $values
    fi
  fi
}
if [[ \${funcstack[1]} == _cutover ]]; then _cutover "$@"; else compdef _cutover cutover; fi
`;
}
