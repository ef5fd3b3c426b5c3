/** Small formatting helpers shared by the pages. */

export function percent(value: number): string {
  return `${Math.round(value * 100) / 100}%`;
}

/** The weights as "r2 20% · r1 80%", newest revision first. */
export function weightsText(weights: Record<string, number>): string {
  const entries = Object.entries(weights).sort(([a], [b]) => Number(b) - Number(a));
  return entries.length ? entries.map(([revision, weight]) => `r${revision} ${percent(weight)}`).join(' · ') : '—';
}

export function when(at: string | number | null): string {
  if (at === null) return '—';
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? String(at) : date.toLocaleString();
}

export function clock(at: number): string {
  return new Date(at).toLocaleTimeString();
}

/** Whether a deployment in this phase is still going on. */
export function isActive(phase: string): boolean {
  return phase === 'Progressing' || phase === 'Paused' || phase === 'AwaitingApproval';
}

/** An e-value as people read it: 1.2, 340, 2.1e+5. */
export function evidence(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return value >= 1e4 ? value.toExponential(1) : value >= 10 ? value.toFixed(0) : value.toFixed(2);
}

export function ms(value: number): string {
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ms`;
}
