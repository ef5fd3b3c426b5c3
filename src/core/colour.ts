/**
 * Whether to colour what goes to `stream`: never when NO_COLOR is set
 * (https://no-color.org), always when FORCE_COLOR is set to anything but
 * `0`/`false` (FORCE_COLOR=0 turns it off), else only on a terminal that is
 * not `dumb`. Logs to a file or a pipe never carry escape codes.
 */
export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

/** Paints text for `stream` when colourWanted says so; otherwise returns it as it is. */
export function painter(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): (colour: Colour, text: string) => string {
  const on = colourWanted(stream, env);
  return (colour, text) => (on ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text);
}
