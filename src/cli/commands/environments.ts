import type { Environment } from '../../environments/index.ts';
import type { ApiClient } from '../client.ts';
import { EXIT, table } from '../output.ts';

type EnvironmentView = Environment & { enforcement: Record<string, { enforced: boolean; note: string }> };

export async function envList(client: ApiClient, options: { output: string }): Promise<number> {
  const { environments } = await client.request<{ environments: EnvironmentView[] }>('GET', '/v1/environments');
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(environments, null, 2)}\n`);
    return EXIT.ok;
  }
  process.stdout.write(
    `${table(
      ['NAME', 'INSTANCES', 'STRATEGIES', 'AFTER', 'APPROVAL', 'SIGNATURE', 'BLOCK VULNS AT', 'DESCRIPTION'],
      environments.map((e) => [e.name, `${e.instances.min}-${e.instances.max}`, e.strategies.join(','), e.requiresSuccessIn ?? '-', e.approvalRequired ? 'yes' : 'no', e.signatureRequired ? 'yes' : 'no', e.blockVulnerabilitiesAt, e.description]),
    )}\n`,
  );
  return EXIT.ok;
}

export async function envShow(client: ApiClient, name: string, options: { output: string }): Promise<number> {
  const e = await client.request<EnvironmentView>('GET', `/v1/environments/${encodeURIComponent(name)}`);
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(e, null, 2)}\n`);
    return EXIT.ok;
  }
  const mark = (setting: string) => (e.enforcement[setting]?.enforced === false ? `   (${e.enforcement[setting]!.note})` : '');
  const hooks = Object.entries(e.hooks).map(([point, list]) => `${point}: ${(list ?? []).map((h) => (h.command ? h.command.join(' ') : `${h.http!.method} ${h.http!.url}`)).join('; ')}`);
  const lines = [
    `name:               ${e.name}`,
    `description:        ${e.description}`,
    `instances:          ${e.instances.min} to ${e.instances.max}`,
    `strategies:         ${e.strategies.join(', ')}`,
    `requires success in: ${e.requiresSuccessIn ?? '-'}`,
    `approval required:  ${e.approvalRequired ? 'yes' : 'no'}${mark('approvalRequired')}`,
    `signature required: ${e.signatureRequired ? 'yes' : 'no'}${mark('signatureRequired')}`,
    `block vulns at:     ${e.blockVulnerabilitiesAt}${mark('blockVulnerabilitiesAt')}`,
    `deploy windows:     ${e.deployWindows.length ? e.deployWindows.map((w) => `${w.days.join(',')} ${w.start}-${w.end} ${w.timezone}`).join('; ') : 'any time'}`,
    `keep revisions:     ${e.keepRevisions}`,
    `hooks:              ${hooks.length ? hooks.join('\n                    ') : 'none'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
