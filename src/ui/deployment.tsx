import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { Step } from '../core/types.ts';
import { describeStep } from '../strategies/describe.ts';
import { Actions } from './actions.tsx';
import { ApiError, type HistoryEntry, type Status, type StoredEvent } from './api.ts';
import { PhaseBadge } from './board.tsx';
import { TimeChart } from './chart.tsx';
import { clock, when, weightsText } from './format.ts';
import { Judge } from './judge.tsx';
import { LiveBadge, useLiveEvents } from './live.tsx';
import type { Session } from './session.ts';

const MAX_EVENT_PAGES = 50;

/**
 * One service in one environment: its current deployment (steps, weights,
 * the judge, instances, analyses, events), what the user may do with it,
 * and its history. Live events of the service refresh it.
 */
export function DeploymentPage({ session, environment, service }: { session: Session; environment: string; service: string }) {
  const { api } = session;
  const [status, setStatus] = useState<Status | null>(null);
  const [events, setEvents] = useState<StoredEvent[]>([]);
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      const [fresh, past] = await Promise.all([api.status(environment, service), api.history(environment, service)]);
      setStatus(fresh);
      setHistory(past);
      setError(null);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
  }, [api, environment, service]);

  useEffect(() => {
    void refresh();
    void (async () => {
      let after = 0;
      const all: StoredEvent[] = [];
      for (let page = 0; page < MAX_EVENT_PAGES; page++) {
        const { events: batch } = await api.events(environment, service, after).catch(() => ({ events: [] as StoredEvent[] }));
        if (!batch.length) break;
        all.push(...batch);
        after = batch.at(-1)!.seq;
      }
      setEvents((live) => mergeEvents(all, live));
    })();
  }, [api, environment, service, refresh]);

  useLiveEvents((event) => {
    if (event.service !== service || (event.environment && event.environment !== environment)) return;
    setEvents((old) => mergeEvents(old, [event]));
    void refresh();
  });

  const mine = useMemo(() => (status ? events.filter((event) => event.deployment === status.deployment.id) : []), [events, status?.deployment.id]);

  if (error && !status)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!status) return <p>Loading {service}…</p>;
  return (
    <article aria-labelledby="service-title">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="#/">Board</a> › {environment} › {service}
      </nav>
      <div class="bar">
        <h1 id="service-title">
          {service} <span class="muted">in {environment}</span>
        </h1>
        <LiveBadge />
      </div>
      <p class="summary" data-testid="summary">
        Deployment {status.deployment.id} ({status.deployment.kind}, {status.deployment.strategy}, by {status.deployment.author}): <strong>{status.version}</strong> revision {status.revision}{' '}
        <PhaseBadge phase={status.phase} /> <span data-testid="weights">{weightsText(status.weights)}</span>
      </p>
      <p class="message" data-testid="message">
        {status.message}
      </p>
      <Actions session={session} status={status} history={history} onDone={() => void refresh()} />
      <div class="grid">
        <Steps status={status} events={mine} />
        <Weights events={mine} />
      </div>
      <Judge events={mine} />
      <Instances status={status} />
      <Analyses status={status} />
      <EventLog events={mine} />
      <History history={history} />
    </article>
  );
}

function mergeEvents(a: StoredEvent[], b: StoredEvent[]): StoredEvent[] {
  const bySeq = new Map<number, StoredEvent>();
  for (const event of [...a, ...b]) bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}

function Steps({ status, events }: { status: Status; events: StoredEvent[] }) {
  const created = events.find((event) => event.type === 'DeploymentCreated');
  const plan = ((created?.data.deployment as { plan?: Step[] } | undefined)?.plan ?? []) as Step[];
  const started = [...events].reverse().find((event) => event.type === 'StepStarted' && event.data.index === status.step.index);
  const pausedUntil = typeof started?.data.pausedUntil === 'number' ? started.data.pausedUntil : null;
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);
  const finished = status.deployment.finishedAt !== null;
  return (
    <section aria-labelledby="steps-title">
      <h2 id="steps-title">Steps</h2>
      <ol class="steps">
        {plan.map((step, index) => {
          const current = !finished && index === status.step.index;
          const done = index < status.step.index || (finished && status.phase === 'Succeeded');
          return (
            <li key={index} class={current ? 'current' : done ? 'done' : ''} aria-current={current ? 'step' : undefined}>
              {describeStep(step)}
              {current && step.type === 'pause' && pausedUntil !== null && status.phase === 'Paused' && (
                <span class="countdown" data-testid="countdown">
                  {' '}
                  — {Math.max(0, Math.ceil((pausedUntil - now) / 1000))} s left
                </span>
              )}
              {current && step.type === 'pause' && pausedUntil === null && status.phase === 'Paused' && <span class="countdown"> — until promoted</span>}
            </li>
          );
        })}
      </ol>
      {!plan.length && <p>{status.step.current ?? 'No step running.'}</p>}
    </section>
  );
}

function Weights({ events }: { events: StoredEvent[] }) {
  const changes = events.filter((event) => event.type === 'WeightsChanged');
  const { xs, series } = useMemo(() => {
    const revisions = [...new Set(changes.flatMap((event) => Object.keys(event.data.weights as Record<string, number>)))].sort((a, b) => Number(b) - Number(a));
    // A step chart: each split holds until the next one.
    const xs: number[] = [];
    const rows: Record<string, number>[] = [];
    changes.forEach((event, i) => {
      if (i > 0) {
        xs.push(event.at - 1);
        rows.push(rows.at(-1)!);
      }
      xs.push(event.at);
      rows.push(event.data.weights as Record<string, number>);
    });
    if (rows.length) {
      xs.push(Date.now());
      rows.push(rows.at(-1)!);
    }
    const colors = ['#b35900', '#1f5fa8', '#4d4d4d'];
    return { xs, series: revisions.map((revision, i) => ({ label: `r${revision} %`, values: rows.map((row) => row[revision] ?? 0), color: colors[i % colors.length]! })) };
  }, [changes.length]);
  return (
    <section aria-labelledby="weights-title">
      <h2 id="weights-title">Weights over time</h2>
      {changes.length ? <TimeChart title="Share of requests per revision (%)" xs={xs} series={series} yLabel="%" testId="weights-chart" /> : <p>No change of weights yet.</p>}
      <ul class="plain">
        {changes.slice(-5).map((event) => (
          <li key={event.seq}>
            {clock(event.at)}: {weightsText(event.data.weights as Record<string, number>)}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Instances({ status }: { status: Status }) {
  return (
    <section aria-labelledby="instances-title">
      <h2 id="instances-title">Instances</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">Revision</th>
              <th scope="col">Port</th>
              <th scope="col">State</th>
              <th scope="col">Health</th>
            </tr>
          </thead>
          <tbody>
            {status.instances.map((instance) => (
              <tr key={instance.id}>
                <td>{instance.id}</td>
                <td>r{instance.revision}</td>
                <td>{instance.port}</td>
                <td>{instance.state}</td>
                <td class={instance.healthy ? 'ok' : 'bad'}>{instance.healthy ? '✓ healthy' : '✗ not healthy'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Analyses({ status }: { status: Status }) {
  if (!status.analyses.length) return null;
  return (
    <section aria-labelledby="analyses-title">
      <h2 id="analyses-title">Analysis runs</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Analysis</th>
              <th scope="col">Step</th>
              <th scope="col">Phase</th>
              <th scope="col">Metrics</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {status.analyses.map((analysis) => (
              <tr key={analysis.id}>
                <td>{analysis.kind}</td>
                <td>{analysis.stepIndex + 1}</td>
                <td>
                  <PhaseBadge phase={analysis.phase} />
                </td>
                <td>
                  {analysis.metrics.map((metric) => (
                    <div key={metric.name}>
                      {metric.name} ({metric.provider}): {metric.phase}, {metric.counts.successful} ok / {metric.counts.failed} failed / {metric.counts.error} errors
                    </div>
                  ))}
                </td>
                <td>{analysis.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The event's gist in words. */
function describeEvent(event: StoredEvent): string {
  const data = event.data;
  const parts = [data.message, data.reason, data.by && `by ${String(data.by)}`, data.weights && weightsText(data.weights as Record<string, number>), data.phase, typeof data.index === 'number' && `step ${data.index + 1}`];
  if (event.type === 'AnalysisMeasured') parts.push(data.metric, (data.measurement as { message?: string } | undefined)?.message);
  return parts.filter((part) => typeof part === 'string' && part).join(' · ');
}

function EventLog({ events }: { events: StoredEvent[] }) {
  const shown = events.slice(-200).reverse();
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">Event log</h2>
      <ol class="events" reversed data-testid="events">
        {shown.map((event) => (
          <li key={event.seq}>
            <time>{clock(event.at)}</time> <strong>{event.type}</strong> {describeEvent(event)}
          </li>
        ))}
      </ol>
    </section>
  );
}

function History({ history }: { history: HistoryEntry[] }) {
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <div class="table-wrap">
        <table data-testid="history">
          <thead>
            <tr>
              <th scope="col">Deployment</th>
              <th scope="col">Revision</th>
              <th scope="col">Version</th>
              <th scope="col">Digest</th>
              <th scope="col">Kind</th>
              <th scope="col">By</th>
              <th scope="col">Started</th>
              <th scope="col">Outcome</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {[...history].reverse().map((entry) => (
              <tr key={entry.deployment}>
                <td>{entry.deployment}</td>
                <td>r{entry.revision}</td>
                <td>{entry.version}</td>
                <td>
                  <code title={entry.digest}>{entry.digest.slice(0, 12)}</code>
                </td>
                <td>{entry.kind}</td>
                <td>{entry.author}</td>
                <td>{when(entry.startedAt)}</td>
                <td>
                  <PhaseBadge phase={entry.outcome} />
                </td>
                <td>{entry.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
