import type { ApplyPlan } from '../../engine/preview.ts';
import { readSpecFile } from '../../client/index.ts';
import { EXIT } from '../exit.ts';
import { envOption, outputOption, type OutputFormat } from '../options.ts';
import { print } from '../output.ts';
import type { Cli } from '../cli.ts';

/**
 * `cutover plan -f FILE`: what `apply` would change, run and meet, asked of
 * the server, changing nothing (`nomad job plan`, `kubectl diff`). The
 * artifact is packed here to learn its digest, never uploaded.
 */
export function register(cli: Cli): void {
  const { program, client, run } = cli;

  program
    .command('plan')
    .description('show what `apply -f FILE` would do, changing nothing: the spec diff against what runs, the steps with their weights, the gates; exit 0 if an apply would start now, 1 if a gate would refuse it')
    .requiredOption('-f, --file <file>', 'the spec (YAML or JSON)')
    .addOption(envOption().default(undefined, "the spec's spec.environment, else CUTOVER_ENV"))
    .addOption(outputOption())
    .action(
      run(async (options: { file: string; env?: string; output: OutputFormat }) => {
        const read = await readSpecFile(options.file, options.env);
        const plan = await client().request<ApplyPlan>('POST', '/v1/plan', { spec: read.document, artifact: read.artifact });
        print(options.output, plan, formatPlan);
        return plan.wouldStart ? EXIT.ok : EXIT.failed;
      }),
    );
}

const json = (value: unknown) => JSON.stringify(value);

/** The plan as a person reads it: what changes, then what would run, then what it would meet. */
export function formatPlan(plan: ApplyPlan): string {
  const lines: string[] = [];
  const { current, next } = plan;
  const short = (digest: string) => `sha256:${digest.slice(0, 12)}`;
  lines.push(
    current
      ? `${plan.service} (${plan.environment}): revision ${current.revision} (version ${current.version}) -> revision ${next.revision} (version ${next.version})`
      : `${plan.service} (${plan.environment}): new service, revision ${next.revision} (version ${next.version})`,
  );
  lines.push(
    `artifact: ${current ? `${short(current.digest)} -> ` : ''}${short(next.digest)}${next.artifactChanged === null ? '' : next.artifactChanged ? ' (changed)' : ' (unchanged)'}${next.artifactKnown ? '' : ' (not on the server yet: apply uploads it)'}`,
  );
  lines.push('', 'Changes:');
  if (!current) lines.push('  (a new service: nothing runs to compare with)');
  else if (!plan.changes.length) lines.push('  (no field of the spec changes)');
  for (const change of plan.changes) {
    if (change.change === 'added') lines.push(`  + ${change.path}: ${json(change.to)}`);
    else if (change.change === 'removed') lines.push(`  - ${change.path}: ${json(change.from)}`);
    else lines.push(`  ~ ${change.path}: ${json(change.from)} -> ${json(change.to)}`);
  }
  lines.push('', `Steps (${plan.strategy}):`);
  const width = Math.max(...plan.steps.map((step) => step.description.length), 10);
  for (const step of plan.steps) {
    const weights = current ? `new ${step.weights.new}%, current ${step.weights.current}%` : `new ${step.weights.new}%`;
    lines.push(`  ${String(step.index + 1).padStart(2)}. ${step.description.padEnd(width)}  ${weights}`);
  }
  lines.push('', `Gates (${plan.environment}):`);
  if (!plan.gates.length) lines.push('  (none)');
  for (const gate of plan.gates) lines.push(`  ${gate.passes === null ? 'later' : gate.passes ? 'pass ' : 'FAIL '}  ${gate.gate}: ${gate.message}`);
  if (plan.inProgress) {
    const { deployment, revision, phase, step } = plan.inProgress;
    lines.push('', `In progress: deployment ${deployment} (revision ${revision}) is ${phase}${step ? ` at "${step}"` : ''}; an apply now ${plan.inProgress.supersededByApply ? 'supersedes it' : 'is refused (see the gate above)'}`);
  }
  const refused = plan.gates.filter((gate) => gate.passes === false).map((gate) => gate.gate);
  lines.push('', plan.wouldStart ? 'An apply now would start (nothing was changed).' : `An apply now would be refused by: ${[...new Set(refused)].join(', ')} (nothing was changed).`);
  return lines.join('\n');
}
