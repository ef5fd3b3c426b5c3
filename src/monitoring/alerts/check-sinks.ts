import type { Alert } from './alert.ts';
import type { AlertsConfig } from './config.ts';
import { AlertDispatcher, type DispatcherOptions, type SinkResult } from './dispatcher.ts';

/** A harmless alert that says what it is, for checking sinks end to end. */
export function sinkCheckAlert(now: number): Alert {
  return {
    id: `test:${now}`,
    rule: 'test',
    severity: 'info',
    service: 'cutover',
    environment: 'test',
    deployment: null,
    summary: 'This is a test alert from `cutover alerts test`; alerts reach this destination.',
    details: { sentAt: new Date(now).toISOString() },
    at: now,
  };
}

/** Sends the test alert to every configured sink (retried like a real one) and says how each went. */
export async function checkSinks(config: AlertsConfig, options: DispatcherOptions = {}): Promise<SinkResult[]> {
  const dispatcher = new AlertDispatcher(config, options);
  const dispatch = await dispatcher.dispatch(sinkCheckAlert((options.now ?? Date.now)()));
  return dispatch.results;
}
