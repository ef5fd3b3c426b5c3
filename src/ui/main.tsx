import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { ApiError } from './api.ts';
import { AuditPage } from './audit.tsx';
import { Board } from './board.tsx';
import { DeploymentPage } from './deployment.tsx';
import { LiveProvider } from './live.tsx';
import { forgetToken, savedToken, saveToken, signIn, type Session } from './session.ts';

/** Where the page is: `#/` the board, `#/services/ENV/NAME` a deployment, `#/audit` the audit log. */
type Route = { page: 'board' } | { page: 'service'; environment: string; service: string } | { page: 'audit' };

function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'services' && parts[1] && parts[2]) return { page: 'service', environment: parts[1], service: parts[2] };
  if (parts[0] === 'audit') return { page: 'audit' };
  return { page: 'board' };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function SignIn({ onSignedIn, problem }: { onSignedIn: (session: Session) => void; problem: string | null }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(problem);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(token.trim());
      saveToken(token.trim());
      onSignedIn(session);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : `the server did not answer: ${String(failure)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>cutover</h1>
      <form onSubmit={submit} aria-describedby="sign-in-help">
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <p id="sign-in-help" class="hint">
          A token from <code>cutover user add NAME --role ROLE:ENV</code>; the first admin token is in <code>&lt;data-dir&gt;/admin-token</code>. It is kept for this tab only.
        </p>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(() => savedToken() !== null);
  const [problem, setProblem] = useState<string | null>(null);
  const route = useRoute();

  useEffect(() => {
    const token = savedToken();
    if (!token) return;
    signIn(token)
      .then(setSession)
      .catch((failure: unknown) => {
        forgetToken();
        setProblem(failure instanceof ApiError ? `signed out: ${failure.message}` : String(failure));
      })
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <p>Signing in…</p>;
  if (!session) return <SignIn onSignedIn={setSession} problem={problem} />;
  const signOut = () => {
    forgetToken();
    setSession(null);
  };
  const isAdmin = session.me.grants.some((grant) => grant.role === 'admin' && grant.environment === '*');
  return (
    <LiveProvider api={session.api}>
      <header class="top">
        <a href="#/" class="brand">
          cutover
        </a>
        <nav aria-label="Pages">
          <a href="#/" aria-current={route.page === 'board' ? 'page' : undefined}>
            Board
          </a>
          {isAdmin && (
            <a href="#/audit" aria-current={route.page === 'audit' ? 'page' : undefined}>
              Audit
            </a>
          )}
        </nav>
        <span class="who">
          <span data-testid="user">{session.me.user}</span> ({session.me.grants.map((g) => `${g.role}:${g.environment}`).join(', ')})
          <button type="button" class="link" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main">
        {route.page === 'board' && <Board session={session} />}
        {route.page === 'service' && <DeploymentPage session={session} environment={route.environment} service={route.service} key={`${route.environment}/${route.service}`} />}
        {route.page === 'audit' && <AuditPage session={session} />}
      </main>
    </LiveProvider>
  );
}

const root = document.getElementById('app')!;
// The "Loading…" placeholder is the page's own; the app replaces it.
root.textContent = '';
render(<App />, root);
