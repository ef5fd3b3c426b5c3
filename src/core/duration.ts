/** Durations as users write them: "500ms", "1s", "2m", "1h", or combined like "1m30s". */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)/;

/** Parses a duration into milliseconds; returns undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  let rest = text.trim();
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const match = DURATION.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
    rest = rest.slice(match[0].length);
  }
  return Math.round(total);
}

/** Formats milliseconds the way users write them ("1m30s", "250ms"). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  if (hours) parts.push(`${hours}h`);
  if (minutes) parts.push(`${minutes}m`);
  if (seconds || parts.length === 0) parts.push(`${seconds}s`);
  return parts.join('');
}

/**
 * The longest delay Node's timers honour: 2^31−1 ms (about 24.8 days). A
 * longer one is not refused but fires after 1 ms, so a wait written as
 * "600h" would spin. Nothing hands a timer more than this: waits longer are
 * `sleep` (src/core/sleep.ts) in pieces, and the spec refuses durations
 * above each field's documented maximum (`DurationMax`).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The documented maximum of each kind of duration (README: "Duration
 * limits"). Each is far above any sensible value and at most what the code
 * honours; a wait longer than one timer is done in pieces.
 */
export const DurationMax = {
  /** One probe, one metric query: healthCheck.timeout, provider timeouts. */
  probe: '5m',
  /** A repeated wait: healthCheck.interval, a metric's interval. */
  interval: '1h',
  /** Work that may legitimately take long: hooks, command providers, draining. */
  task: '1h',
  /** A deadline on a whole phase: startupTimeout, progressDeadline, analysis windows and initialDelay. */
  deadline: '24h',
  /** A wait for time or a person: pause durations, scaleDownDelay. */
  hold: '720h',
} as const;
export type DurationMax = (typeof DurationMax)[keyof typeof DurationMax];

/** A delay as a timer may take it: at most MAX_TIMER_MS, never negative or NaN. */
export function timerDelay(ms: number): number {
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_TIMER_MS) : MAX_TIMER_MS;
}
