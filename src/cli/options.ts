import { InvalidArgumentError, Option } from 'commander';
import { MAX_TIMER_MS, parseDuration } from '../core/duration.ts';

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

/**
 * The one `--env <environment>` option of every command that names a
 * service: hello in staging and hello in production are two services.
 */
export function envOption(): Option {
  return new Option('--env <environment>', 'the environment of the service (env CUTOVER_ENV; default: the one environment the service is in)');
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

/**
 * The one `--timeout <duration>` option of every command that waits
 * (`--wait`, `--watch`, `--follow`): give up after DURATION and exit 124.
 */
export function timeoutOption(): Option {
  return new Option('--timeout <duration>', 'give up waiting after DURATION (e.g. 90s, 10m) and exit 124; what was waited for goes on').argParser((value) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms <= 0 || ms > MAX_TIMER_MS) throw new InvalidArgumentError('expected a duration such as 30s, 5m or 1h30m (at most 24 days)');
    return ms;
  });
}
