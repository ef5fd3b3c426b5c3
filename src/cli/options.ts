import { InvalidArgumentError, Option } from 'commander';

/** What `-o, --output` takes. */
export const OutputFormat = { text: 'text', json: 'json', yaml: 'yaml' } as const;
export type OutputFormat = (typeof OutputFormat)[keyof typeof OutputFormat];

/**
 * The one `-o, --output <format>` option, for every command that can print
 * JSON (and so YAML). `-o` always names a format; a file to write is always `--out`.
 */
export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(Object.values(OutputFormat)).default(OutputFormat.text);
}

/** An argument parser for a whole number from `min` to `max`; anything else is a usage error (exit 2) naming the range. */
export function integerIn(min: number, max: number = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `expected a whole number from ${min}` : `expected a whole number from ${min} to ${max}`);
    }
    return n;
  };
}
