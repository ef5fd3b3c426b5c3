import { uploadSpecFile } from '../../client/index.ts';
import { EXIT } from '../exit.ts';
import { envOption } from '../options.ts';
import type { Cli } from '../cli.ts';

interface PolicyTestResult {
  report: string;
  policy: { allowed: boolean };
  checks: { check: string; ok: boolean; message: string }[];
}

/** Deployment policies (CEL): `cutover policy test`. */
export function register(cli: Cli): void {
  const { program, client, run } = cli;

  program
    .command('policy')
    .description('deployment policies (CEL)')
    .command('test')
    .requiredOption('-f, --file <file>', 'the spec to try')
    // As with apply: the environment decides which policies, trusted keys and scan threshold apply.
    .addOption(envOption().default(undefined, "the spec's spec.environment, else CUTOVER_ENV"))
    .description('evaluate the policies (and signature and scan checks) on a spec and its artifact, without deploying')
    .action(
      run(async (options: { file: string; env?: string }) => {
        const api = client();
        const uploaded = await uploadSpecFile(api, options.file, options.env);
        const result = await api.request<PolicyTestResult>('POST', '/v1/policy/test', { spec: uploaded.document, artifact: uploaded.artifact });
        process.stdout.write(result.report.endsWith('\n') ? result.report : `${result.report}\n`);
        for (const check of result.checks.filter((c) => !c.check.startsWith('policy '))) process.stdout.write(`${check.ok ? '✓' : '✗'} ${check.check}: ${check.message}\n`);
        return result.checks.every((c) => c.ok) && result.policy.allowed ? EXIT.ok : EXIT.failed;
      }),
    );
}
