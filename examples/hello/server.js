// The sample service cutover deploys. It answers who it is, and can be told
// through its environment to misbehave, so tests can watch cutover react.
import http from 'node:http';

const env = process.env;
const port = Number(env.PORT ?? 8080);
const identity = {
  service: env.CUTOVER_SERVICE ?? 'hello',
  version: env.CUTOVER_VERSION ?? 'dev',
  revision: revisionFrom(env.CUTOVER_REVISION),
  instance: env.CUTOVER_INSTANCE ?? `pid-${process.pid}`,
};
const failHealth = env.FAIL_HEALTH === '1';
const errorRate = Number(env.ERROR_RATE ?? 0);
const latencyMs = Number(env.LATENCY_MS ?? 0);
const crashAfterMs = env.CRASH_AFTER_MS === undefined ? undefined : Number(env.CRASH_AFTER_MS);
const SHUTDOWN_CAP_MS = 10_000;
let stopping = false;

/** Revisions are numbers in cutover; anything else is shown as written. */
function revisionFrom(text) {
  if (text === undefined) return null;
  const number = Number(text);
  return text.trim() !== '' && Number.isInteger(number) ? number : text;
}

function log(message) {
  console.log(`hello ${identity.version} revision ${identity.revision} instance ${identity.instance} ${message}`);
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
  // While stopping, close each connection after its response so the server can finish.
  if (stopping) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}

function answer(req, res) {
  if (Math.random() < errorRate) send(res, 500, { ...identity, error: 'injected failure (ERROR_RATE)' });
  else send(res, 200, identity);
}

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') {
    send(res, failHealth ? 503 : 200, failHealth ? { ok: false } : { ok: true });
  } else if (req.method === 'GET' && path === '/') {
    if (latencyMs > 0) setTimeout(answer, latencyMs, req, res);
    else answer(req, res);
  } else {
    send(res, 404, { error: `no route for ${req.method} ${path}` });
  }
});

// Longer than a proxy's idle timeout, so the proxy closes its pooled
// keep-alive sockets first and never sends a request on one we just closed.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

// On a swarm the router reaches an instance at its node's address: the platform sets HOST=0.0.0.0 there.
server.listen(port, process.env.HOST ?? '127.0.0.1', () => {
  log(`listening on ${port}`);
});

if (crashAfterMs !== undefined && Number.isFinite(crashAfterMs)) {
  // Abrupt on purpose: no draining, as a real crash would be.
  setTimeout(() => {
    log(`crashing (CRASH_AFTER_MS=${crashAfterMs})`);
    process.exit(1);
  }, crashAfterMs);
}

process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  log('SIGTERM: finishing in-flight requests');
  // Stop accepting; idle keep-alive sockets close now, busy ones after their response.
  server.close(() => {
    log('stopped');
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => {
    log(`stopped after ${SHUTDOWN_CAP_MS}ms with requests still in flight`);
    process.exit(0);
  }, SHUTDOWN_CAP_MS).unref();
});
