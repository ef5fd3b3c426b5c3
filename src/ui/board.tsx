import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Status } from './api.ts';
import { weightsText } from './format.ts';
import { LiveBadge, useLiveEvents } from './live.tsx';
import type { Session } from './session.ts';

const key = (environment: string, service: string) => `${environment}/${service}`;

export function PhaseBadge({ phase }: { phase: string }) {
  return <span class={`phase phase-${phase.toLowerCase()}`}>{phase}</span>;
}

/**
 * Every service in every environment: a row per service, a column per
 * environment. Each live event re-reads the status of the service it is
 * about, so the board follows deployments without reloading.
 */
export function Board({ session }: { session: Session }) {
  const [statuses, setStatuses] = useState<Map<string, Status>>(new Map());
  const [environments, setEnvironments] = useState<string[]>([]);
  const [filter, setFilter] = useState(() => new URLSearchParams(location.hash.split('?')[1] ?? '').get('environment') ?? '');
  const [error, setError] = useState<string | null>(null);
  const pending = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const load = useCallback(async () => {
    try {
      const [services, envs] = await Promise.all([session.api.services(), session.api.environments().catch(() => [])]);
      setStatuses(new Map(services.map((s) => [key(s.environment, s.service), s])));
      setEnvironments([...new Set([...envs.map((e) => e.name), ...services.map((s) => s.environment)])].sort());
      setError(null);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
  }, [session]);

  useEffect(() => {
    void load();
  }, [load]);

  // Events come in bursts (a step is several events): one read per service per burst.
  useLiveEvents((event) => {
    const known = [...statuses.values()].filter((s) => s.service === event.service && (!event.environment || s.environment === event.environment));
    if (!known.length) {
      void load();
      return;
    }
    for (const status of known) {
      const id = key(status.environment, status.service);
      if (pending.current.has(id)) continue;
      pending.current.set(
        id,
        setTimeout(() => {
          pending.current.delete(id);
          session.api
            .status(status.environment, status.service)
            .then((fresh) => setStatuses((old) => new Map(old).set(id, fresh)))
            .catch(() => undefined);
        }, 150),
      );
    }
  });

  const services = [...new Set([...statuses.values()].map((s) => s.service))].sort();
  const columns = filter ? environments.filter((e) => e === filter) : environments;
  return (
    <section aria-labelledby="board-title">
      <div class="bar">
        <h1 id="board-title">Services</h1>
        <LiveBadge />
        <label class="filter">
          Environment{' '}
          <select value={filter} onChange={(e) => setFilter((e.target as HTMLSelectElement).value)}>
            <option value="">all</option>
            {environments.map((name) => (
              <option value={name} key={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {!error && services.length === 0 && <p>No services yet: <code>cutover apply -f SPEC</code> deploys one.</p>}
      {services.length > 0 && (
        <div class="table-wrap">
          <table class="board">
            <caption class="sr-only">Services by environment: version, revision, phase, step and weights</caption>
            <thead>
              <tr>
                <th scope="col">Service</th>
                {columns.map((environment) => (
                  <th scope="col" key={environment}>
                    {environment}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {services.map((service) => (
                <tr key={service}>
                  <th scope="row">{service}</th>
                  {columns.map((environment) => {
                    const status = statuses.get(key(environment, service));
                    return <td key={environment}>{status ? <Cell status={status} /> : <span class="none">—</span>}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Cell({ status }: { status: Status }) {
  const href = `#/services/${encodeURIComponent(status.environment)}/${encodeURIComponent(status.service)}`;
  return (
    <a class="cell" href={href} data-testid={`cell-${status.environment}-${status.service}`} aria-label={`${status.service} in ${status.environment}: ${status.phase}, version ${status.version}`}>
      <span class="version">
        {status.version} <span class="muted">r{status.revision}</span>
      </span>
      <PhaseBadge phase={status.phase} />
      <span class="step">{status.step.current ? `step ${status.step.index + 1}/${status.step.total}: ${status.step.current}` : `${status.step.total} steps done`}</span>
      <span class="weights" data-testid="weights">
        {weightsText(status.weights)}
      </span>
    </a>
  );
}
