import type { StatusView } from '../../api/views.ts';
import type { ControlPlaneView } from '../../api/control-plane-view.ts';
import { followDeployment, servicePath, terminalProgress, weightsText } from '../../client/index.ts';
import { EXIT, exitCodeOf } from '../exit.ts';
import { envOption, outputOption, timeoutOption, type OutputFormat } from '../options.ts';
import { goesOn, until, waitLimit } from '../waiting.ts';
import { print, table } from '../output.ts';
import type { Cli } from '../cli.ts';

/** `cutover status SERVICE`: where a service's deployment is, once or until it ends. */
export function register(cli: Cli): void {
  const { program, client, run, target } = cli;

  program
    .command('status')
    .argument('<service>')
    .description("show a service's deployment: phase, step, weights, instances")
    .addOption(envOption())
    .addOption(outputOption())
    .option('--watch', 'follow until the deployment ends; exit 0 if it succeeded, 1 if it ended RolledBack, Aborted or Failed')
    .addOption(timeoutOption())
    .action(
      run(async (service: string, options: { env?: string; output: OutputFormat; watch?: boolean; timeout?: number }) => {
        const limit = waitLimit(options.timeout, Boolean(options.watch), '--watch');
        const api = client();
        const ref = await target(api, service, options.env);
        let status = await api.request<StatusView>('GET', servicePath(ref));
        if (options.watch && status.deployment.finishedAt === null) status = await followDeployment(api, ref, status.deployment.id, until(terminalProgress(), limit(goesOn(ref))));
        // Replicas: which one leads and which answered (nothing for one server).
        const plane = await api.request<ControlPlaneView>('GET', '/v1/control-plane');
        print(options.output, plane.replica ? { ...status, controlPlane: plane } : status, (view) => statusText(view) + controlPlaneText(plane));
        // Watching ends like `apply --wait`: by how the deployment ended (or had ended already).
        return options.watch ? exitCodeOf(status) : EXIT.ok;
      }),
    );
}

function controlPlaneText({ replica, leader }: ControlPlaneView): string {
  if (!replica) return '';
  const leads = leader?.live ? `${leader.id} at ${leader.url} (token ${leader.token}, since ${leader.since})` : 'none right now (a replica takes over within seconds)';
  return `\ncontrol plane: leader ${leads}; answered by ${replica.id}${leader?.live && leader.id === replica.id ? ' (the leader)' : ''}\n`;
}

function statusText(status: StatusView): string {
  const lines = [
    `service:     ${status.service} (${status.environment})`,
    `phase:       ${status.phase}`,
    `revision:    ${status.revision} (version ${status.version}), stable ${status.stableRevision ?? 'none'}`,
    `deployment:  ${status.deployment.id} (${status.deployment.kind}, ${status.deployment.strategy}) started ${status.deployment.startedAt}`,
    `step:        ${status.step.index}/${status.step.total}${status.step.current ? ` — now: ${status.step.current}` : ''}`,
    `weights:     ${weightsText(status.weights)}`,
    `message:     ${status.message}`,
    '',
    status.instances.length
      ? table(
          ['INSTANCE', 'REVISION', 'PID', 'PORT', 'STATE', 'HEALTHY'],
          status.instances.map((i) => [i.id, String(i.revision), String(i.pid ?? '-'), String(i.port), i.state, i.healthy ? 'yes' : 'no']),
        )
      : 'no instances running',
    ...analysesText(status),
  ];
  return `${lines.join('\n')}\n`;
}

function analysesText(status: StatusView): string[] {
  if (!status.analyses.length) return [];
  const lines = ['', 'analyses:'];
  for (const analysis of status.analyses) {
    lines.push(`  ${analysis.kind} (step ${analysis.stepIndex + 1}): ${analysis.phase} — ${analysis.message}`);
    for (const metric of analysis.metrics) {
      const last = metric.measurements.at(-1);
      const value = last?.value === undefined ? '' : ` value ${typeof last.value === 'number' ? Number(last.value.toPrecision(4)) : JSON.stringify(last.value)}`;
      const c = metric.counts;
      lines.push(`    ${metric.name}${metric.dryRun ? ' (dry run)' : ''} [${metric.provider}]: ${metric.phase}${value}; ${c.successful} ok, ${c.failed} failed, ${c.inconclusive} inconclusive, ${c.error} errors`);
      if (last?.message) lines.push(`      ${last.message}`);
    }
  }
  return lines;
}
