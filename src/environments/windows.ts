import type { DeployWindow } from './types.ts';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Whether `now` falls inside one of the windows (UTC). No windows: always open. */
export function insideWindows(windows: DeployWindow[], now: Date): boolean {
  if (windows.length === 0) return true;
  const day = DAYS[now.getUTCDay()]!;
  const minutes = now.getUTCHours() * 60 + now.getUTCMinutes();
  return windows.some((window) => {
    if (!window.days.includes(day)) return false;
    const [sh, sm] = window.start.split(':').map(Number) as [number, number];
    const [eh, em] = window.end.split(':').map(Number) as [number, number];
    return minutes >= sh * 60 + sm && minutes < eh * 60 + em;
  });
}

export function describeWindows(windows: DeployWindow[]): string {
  return windows.map((w) => `${w.days.join(',')} ${w.start}-${w.end} ${w.timezone}`).join('; ');
}
