#!/usr/bin/env node
import { reportError } from './exit.ts';
import { createCli } from './program.ts';

const cli = createCli();
try {
  await cli.program.parseAsync(process.argv);
} catch (error) {
  cli.exitCode = await reportError(error);
}
process.exitCode = cli.exitCode;
