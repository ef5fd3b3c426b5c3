import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_DATA_DIR, DEFAULT_SERVER } from './client.ts';
import { registerDeploymentCommands } from './commands-deployments.ts';
import { registerOperationCommands } from './commands-operations.ts';
import { registerSecurityCommands } from './commands-security.ts';
import { EXIT, reportError } from './output.ts';
import { createCli } from './program.ts';

// Commands import their modules when they run, so `cutover status` does not load the server.
const program = new Command('cutover')
  .description('Deploy a service with rolling, blue-green or canary strategies; zero failed requests, automatic rollback.')
  .addOption(new Option('--server <url>', `control plane URL (env CUTOVER_SERVER, default ${DEFAULT_SERVER})`))
  .addOption(new Option('--data-dir <dir>', `where the server keeps state, artifacts and logs; other commands read its admin-token there when CUTOVER_TOKEN is unset (env CUTOVER_DATA_DIR, default ${DEFAULT_DATA_DIR})`))
  .showHelpAfterError()
  .exitOverride();

const cli = createCli(program);
registerDeploymentCommands(cli);
registerOperationCommands(cli);
registerSecurityCommands(cli);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  cli.exitCode = error instanceof CommanderError ? (error.exitCode === 0 ? EXIT.ok : EXIT.usage) : reportError(error);
}
process.exitCode = cli.exitCode;
