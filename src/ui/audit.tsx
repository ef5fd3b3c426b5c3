import { useEffect, useState } from 'preact/hooks';
import { ApiError, type AuditEntry } from './api.ts';
import { when } from './format.ts';
import type { Session } from './session.ts';

/** The audit log (admins only, as the API has it) and the check of its hash chain. */
export function AuditPage({ session }: { session: Session }) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [verified, setVerified] = useState<string | null>(null);
  useEffect(() => {
    session.api
      .audit(200)
      .then((r) => setEntries(r.entries))
      .catch((failure: unknown) => setError(failure instanceof ApiError ? failure.message : String(failure)));
  }, [session]);
  const verify = async () => {
    setVerified('checking…');
    try {
      setVerified(JSON.stringify(await session.api.verifyAudit()));
    } catch (failure) {
      setVerified(`refused: ${failure instanceof ApiError ? failure.message : String(failure)}`);
    }
  };
  return (
    <section aria-labelledby="audit-title">
      <div class="bar">
        <h1 id="audit-title">Audit log</h1>
        <button type="button" onClick={() => void verify()} data-action="verify">
          Verify the chain
        </button>
      </div>
      {verified && (
        <p role="status" data-testid="verified">
          {verified}
        </p>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {[...entries].reverse().map((entry) => (
              <tr key={entry.seq}>
                <td>{entry.seq}</td>
                <td>{when(entry.at)}</td>
                <td>{entry.actor}</td>
                <td>{entry.action}</td>
                <td>{entry.target}</td>
                <td>
                  {entry.outcome} {entry.status ?? ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
