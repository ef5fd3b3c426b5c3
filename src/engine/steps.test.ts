import { describe, expect, it } from 'vitest';
import { waitForChange } from './steps.ts';

/** Timers that keep the process alive (unref'd ones are not counted). */
const liveTimers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('waitForChange (pauses, approvals and holds)', () => {
  it('leaves no timer behind when the deployment changed first: a stopping server exits at once', async () => {
    const before = liveTimers();
    await waitForChange({ signal: new AbortController().signal, changed: () => Promise.resolve() }, 60_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(liveTimers()).toBe(before);
  });

  it('ends when the runner is stopped, and when the time is up', async () => {
    const before = liveTimers();
    const stop = new AbortController();
    const never = () => new Promise<void>(() => undefined);
    const waiting = waitForChange({ signal: stop.signal, changed: never }, 60_000);
    stop.abort(new Error('stopping'));
    await waiting;
    await waitForChange({ signal: new AbortController().signal, changed: never }, 10);
    await new Promise((resolve) => setImmediate(resolve));
    expect(liveTimers()).toBe(before);
  });
});
