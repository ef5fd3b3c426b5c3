import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import type { StatusView } from '../api/views.ts';
import { servicePath } from '../client/index.ts';
import { nodeArgsFor, Program, PROJECT_ROOT } from '../core/entry.ts';
import { freePort } from '../core/net.ts';
import { startLoad, type LoadRun } from '../load/index.ts';
import { narrate, withDemoServer, type DemoServer } from './demo-server.ts';

/** The three stages, in order, as examples/hello/stages.yaml deploys them. */
const STAGES = ['development', 'staging', 'production'] as const;
type Stage = (typeof STAGES)[number];

/** The example every stage deploys from: one spec with `spec.environments` overrides. */
const STAGES_SPEC = join(PROJECT_ROOT, 'examples/hello/stages.yaml');

/**
 * The demo server's config: production keeps its gates (a digest must have
 * succeeded in staging first, an approver who is not the author approves, a
 * progressive strategy) but not its signed and scanned artifact, which need
 * a signing key and an advisory database (README: security model).
 */
export const PIPELINE_DEMO_CONFIG = 'environments:\n  production: { signatureRequired: false }\npolicies: { defaults: false }\n';

interface SpecDocument {
  spec: { version: string; port: number; artifact: { path: string }; environments: Record<string, { port: number }> };
}

/**
 * `cutover demo --pipeline` (`npm run demo:pipeline`): hello through
 * development → staging → production from one spec file, by the commands the
 * README shows (run as a user would type them), each stage kept running and
 * loaded as soon as it serves; production refuses what staging has not seen
 * and waits for an approver. Ends with `cutover pipeline hello` and a
 * summary; exits 0 only when every step went as expected and no request
 * failed.
 */
export async function runPipelineDemo(options: { rate: number }): Promise<number> {
  return withDemoServer(async (server) => {
    const work = join(server.dataDir, 'work');
    mkdirSync(work);
    // The example with free ports (the demo shares the machine) and its artifact found from here.
    const document = parse(readFileSync(STAGES_SPEC, 'utf8')) as SpecDocument;
    const ports: Record<Stage, number> = { development: await freePort(), staging: await freePort(), production: await freePort() };
    document.spec.port = ports.development;
    for (const stage of ['staging', 'production'] as const) document.spec.environments[stage]!.port = ports[stage];
    document.spec.artifact.path = join(PROJECT_ROOT, 'examples/hello');
    const writeSpec = () => writeFileSync(join(work, 'hello.yaml'), stringify(document));
    writeSpec();
    const cutover = cliIn(work, server);
    const problems: string[] = [];
    const expect = (ok: boolean, what: string) => {
      if (!ok) problems.push(what);
    };

    narrate(`One spec file for every stage (examples/hello/stages.yaml with free ports): hello.yaml`);
    process.stdout.write(readFileSync(join(work, 'hello.yaml'), 'utf8'));

    narrate('This server keeps production\'s gates but not its signed, scanned artifacts (config.yaml: signatureRequired: false, policies: { defaults: false }); see the README\'s security model');
    process.stdout.write(PIPELINE_DEMO_CONFIG);

    narrate('Development: the spec names it (spec.environment)');
    expect((await cutover(['apply', '-f', 'hello.yaml', '--wait'])).code === 0, 'apply to development failed');
    const loads = new Map<Stage, LoadRun>();
    const load = (stage: Stage) => {
      narrate(`Sending ${options.rate} requests/s to ${stage} (http://127.0.0.1:${ports[stage]}/) from now on`);
      loads.set(stage, startLoad({ url: `http://127.0.0.1:${ports[stage]}/`, ratePerSecond: options.rate }));
    };
    load('development');

    narrate('Production takes only a digest that succeeded in staging: straight from development is refused');
    const refused = await cutover(['promote-env', 'hello', '--from', 'development', '--to', 'production']);
    expect(refused.code !== 0 && /staging/.test(refused.output), 'production accepted a digest that never ran in staging');

    narrate('Staging: exactly the artifact that succeeded in development, with staging\'s overrides (port, 2 instances); development keeps running');
    expect((await cutover(['promote-env', 'hello', '--from', 'development', '--to', 'staging', '--wait'])).code === 0, 'promote-env to staging failed');
    load('staging');

    narrate('Production waits for an approver who is not the author: add one');
    const added = await cutover(['user', 'add', 'alice', '--role', 'approver:production']);
    const aliceToken = /token[^:]*: (\S+)/.exec(added.output)?.[1];
    expect(aliceToken !== undefined, 'user add printed no token');

    narrate('Production: the digest that succeeded in staging, with production\'s overrides (port, 3 instances, a canary)');
    const promoting = cutover(['promote-env', 'hello', '--from', 'staging', '--to', 'production', '--wait']);
    const waiting = await Promise.race([waitForPhase(server, 'AwaitingApproval'), promoting.then(() => null)]);
    if (waiting && aliceToken) {
      narrate(`alice approves deployment ${waiting.deployment.id}`);
      expect((await cutover(['approve', String(waiting.deployment.id)], { CUTOVER_TOKEN: aliceToken })).code === 0, 'approve failed');
    } else expect(false, 'production never waited for approval');
    expect((await promoting).code === 0, 'promote-env to production failed');
    load('production');

    narrate('A new version enters the pipeline: edit version: "1.1.0" in hello.yaml and apply it (development only)');
    document.spec.version = '1.1.0';
    writeSpec();
    await sleep(1000);
    expect((await cutover(['apply', '-f', 'hello.yaml', '--wait'])).code === 0, 'apply of 1.1.0 to development failed');

    narrate('Every stage side by side');
    const pipeline = await cutover(['pipeline', 'hello']);
    expect(pipeline.code === 0, 'pipeline failed');

    await sleep(1000);
    narrate('Summary');
    let failed = 0;
    for (const stage of STAGES) {
      const report = await loads.get(stage)!.stop();
      failed += report.failed;
      const versions = Object.entries(report.byVersion).map(([v, n]) => `${v}=${n}`).join(', ');
      process.stdout.write(`  ${stage.padEnd(12)} port ${ports[stage]}  ${report.sent} requests, ${report.failed} failed; answered by version: ${versions}\n`);
    }
    expect(failed === 0, `${failed} requests failed`);
    for (const problem of problems) process.stdout.write(`  ✗ ${problem}\n`);
    const ok = problems.length === 0;
    narrate(ok ? 'Done: three stages of one service side by side, each promoted with the exact artifact of the one before, no request failed.' : 'The demo did not go as expected (see above).');
    return ok ? 0 : 1;
  }, { config: PIPELINE_DEMO_CONFIG });
}

/** Runs `cutover ARGS` in `cwd` against the demo server as an admin (or with `env`), echoing the command and its output. */
function cliIn(cwd: string, server: DemoServer) {
  return async (args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> => {
    process.stdout.write(`$ ${env.CUTOVER_TOKEN ? 'CUTOVER_TOKEN=<alice> ' : ''}cutover ${args.join(' ')}\n`);
    const { CUTOVER_ENV: _env, CUTOVER_TOKEN: _token, ...inherited } = process.env;
    const child = spawn(process.execPath, [...nodeArgsFor(Program.cli), ...args], {
      cwd,
      env: { ...inherited, CUTOVER_SERVER: server.url, CUTOVER_DATA_DIR: server.dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const echo = (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    };
    child.stdout.on('data', echo);
    child.stderr.on('data', echo);
    const code = await new Promise<number>((resolve) => child.once('close', (exit) => resolve(exit ?? 1)));
    return { code, output };
  };
}

/** Hello in production once it reaches `phase`, or null when it does not within a minute. */
async function waitForPhase(server: DemoServer, phase: StatusView['phase']): Promise<StatusView | null> {
  for (let i = 0; i < 600; i++) {
    const status = await server.client.request<StatusView>('GET', servicePath({ service: 'hello', environment: 'production' })).catch(() => null);
    if (status?.phase === phase) return status;
    await sleep(100);
  }
  return null;
}
