import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { UNISOLATED } from '../../test/support/unisolated.ts';
import { outboundPolicy } from '../security/outbound/index.ts';
import { hookBackoff, runHook, runHooks, type HookContext, type HookRunner } from './hooks.ts';

const context: HookContext = { hook: 'prepare', service: 'hello', environment: 'staging', deployment: 7, revision: 3, version: '3.0.0', stableRevision: 2 };
let server: Server | null = null;
/** Hooks here call the receiver on 127.0.0.1, which staging's allow list names. */
const RUNNER: HookRunner = { sandbox: UNISOLATED, outbound: outboundPolicy('staging', ['127.0.0.1']) };

afterEach(() => {
  server?.close();
  server = null;
});

async function receiver(answers: number[]): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/hook`, bodies };
}

describe('hooks', () => {
  it('gives a command hook the deployment in its environment', async () => {
    const result = await runHook({ command: ['sh', '-c', 'echo "$CUTOVER_HOOK $CUTOVER_SERVICE $CUTOVER_ENVIRONMENT $CUTOVER_REVISION $CUTOVER_STABLE_REVISION"'], timeoutMs: 5000, retries: 0 }, context, RUNNER);
    expect(result).toEqual({ ok: true, attempts: 1, detail: 'prepare hello staging 3 2' });
  });

  it('retries a failing command and reports its last output line', async () => {
    const result = await runHook({ command: ['sh', '-c', 'echo nope >&2; exit 4'], timeoutMs: 5000, retries: 2 }, context, RUNNER);
    expect(result).toEqual({ ok: false, attempts: 3, detail: 'exit 4: nope' });
  });

  it('stops a command at its timeout', async () => {
    const result = await runHook({ command: ['sleep', '5'], timeoutMs: 200, retries: 0 }, context, RUNNER);
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/timed out after 200ms/);
  });

  it('POSTs the deployment to an HTTP hook and retries a 5xx until it succeeds', async () => {
    const { url, bodies } = await receiver([503, 200]);
    const result = await runHook({ http: { url, method: 'POST', headers: {} }, timeoutMs: 5000, retries: 2 }, context, RUNNER);
    expect(result).toEqual({ ok: true, attempts: 2, detail: 'HTTP 200' });
    expect(bodies[0]).toEqual(context);
  });

  it('refuses an HTTP hook to an address the allow list does not name at once, without calling or retrying it', async () => {
    const { url, bodies } = await receiver([200]);
    const result = await runHook({ http: { url, method: 'POST', headers: {} }, timeoutMs: 5000, retries: 2 }, context, { ...RUNNER, outbound: outboundPolicy('staging', []) });
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(1);
    expect(result.detail).toMatch(/refused: 127\.0\.0\.1 is a loopback address .*environments\.staging\.outbound\.allow/);
    expect(bodies).toEqual([]);
  });

  it('does not follow a redirect: a 3xx is a failed hook', async () => {
    const { url } = await receiver([302]);
    const result = await runHook({ http: { url, method: 'POST', headers: {} }, timeoutMs: 5000, retries: 0 }, context, RUNNER);
    expect(result).toEqual({ ok: false, attempts: 1, detail: 'HTTP 302 (redirects are not followed)' });
  });

  it('runs hooks in order and stops at the first failure, naming it', async () => {
    const result = await runHooks(
      [
        { command: ['true'], timeoutMs: 5000, retries: 0 },
        { command: ['false'], timeoutMs: 5000, retries: 0 },
        { command: ['sh', '-c', 'exit 9'], timeoutMs: 5000, retries: 0 },
      ],
      context,
      RUNNER,
    );
    expect(result).toEqual({ ok: false, message: 'prepare hook `false` failed after 1 attempt(s): exit 1' });
  });

  it('backs off exponentially between attempts, up to 10s', () => {
    expect([1, 2, 3, 4, 10].map(hookBackoff)).toEqual([500, 1000, 2000, 4000, 10_000]);
  });
});
