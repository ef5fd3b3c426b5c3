import type { HistoryEntry, StatusView } from '../../api/views.ts';
import type { ApiClient } from '../client.ts';
import { followDeployment } from '../follow.ts';
import { EXIT, table, weightsText } from '../output.ts';

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

export async function statusCommand(client: ApiClient, service: string, options: { output?: string; watch?: boolean }): Promise<number> {
  const status = await client.request<StatusView>('GET', `/v1/services/${encodeURIComponent(service)}`);
  if (options.watch && status.deployment.finishedAt === null) {
    const final = await followDeployment(client, service, status.deployment.id);
    process.stdout.write(options.output === 'json' ? `${JSON.stringify(final, null, 2)}\n` : statusText(final));
    return EXIT.ok;
  }
  process.stdout.write(options.output === 'json' ? `${JSON.stringify(status, null, 2)}\n` : statusText(status));
  return EXIT.ok;
}

export async function historyCommand(client: ApiClient, service: string, options: { output?: string }): Promise<number> {
  const { history } = await client.request<{ history: HistoryEntry[] }>('GET', `/v1/services/${encodeURIComponent(service)}/history`);
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(history, null, 2)}\n`);
    return EXIT.ok;
  }
  process.stdout.write(
    `${table(
      ['DEPLOYMENT', 'REVISION', 'VERSION', 'ARTIFACT', 'KIND', 'STARTED', 'OUTCOME', 'MESSAGE'],
      history.map((h) => [String(h.deployment), String(h.revision), h.version, `sha256:${h.digest.slice(0, 12)}`, h.kind, h.startedAt.replace('T', ' ').slice(0, 19), h.outcome, h.message.slice(0, 80)]),
    )}\n`,
  );
  return EXIT.ok;
}
