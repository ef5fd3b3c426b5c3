/** A word in single quotes for sh, bash and zsh. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** One branch of a `case`: `    'env show') echo …;;`. */
export function shellCase(pattern: string, body: string): string {
  return `    ${shellQuote(pattern)}) ${body} ;;`;
}

/** A word in single quotes for fish (which escapes `\\` and `'` inside them). */
export function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}
