import { Option } from 'commander';
import type { SeverityThreshold } from '../../supply-chain/scan/index.ts';
import { EXIT, UsageError } from '../exit.ts';
import { outputOption, type OutputFormat } from '../options.ts';
import { print } from '../output.ts';
import type { Cli } from '../cli.ts';

/** `cutover scan PATH`: known vulnerabilities in an artifact, from an OSV advisory database. Runs here; no server. */
export function register(cli: Cli): void {
  const { program, run } = cli;

  program
    .command('scan')
    .argument('<path>', "the service's folder (its package-lock.json and CycloneDX SBOMs are read)")
    .description('check an artifact for known vulnerabilities against an OSV advisory database')
    .option('--db <dir>', 'a folder of OSV JSON records, e.g. a GitHub Advisory Database or osv.dev export (env CUTOVER_ADVISORY_DB)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(['none', 'low', 'medium', 'high', 'critical']).default('none'))
    .addOption(outputOption())
    .action(
      run(async (path: string, options: { db?: string; failOn: SeverityThreshold; output: OutputFormat }) => {
        const db = options.db ?? process.env.CUTOVER_ADVISORY_DB;
        if (!db) throw new UsageError('no advisory database: pass --db DIR (a folder of OSV JSON records) or set CUTOVER_ADVISORY_DB');
        // Heavy (semver, the advisory database): loaded only to scan.
        const scan = await import('../../supply-chain/scan/index.ts');
        const report = await scan.scanArtifact(path, await scan.loadAdvisoryDatabase(db));
        print(options.output, report, scan.formatScanTable);
        return scan.meetsThreshold(report.summary, options.failOn) ? EXIT.failed : EXIT.ok;
      }),
    );
}
