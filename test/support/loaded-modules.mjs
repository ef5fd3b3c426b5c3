/**
 * Module loader hooks that write the URL of every module a Node process loads
 * (one a line) to the file named by LOADED_MODULES_FILE. Tests register it
 * with `node --import` (see loadedModules in cli.test.ts) to check what a
 * command loads, whether it runs from TypeScript or a compiled build.
 */
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  if (process.env.LOADED_MODULES_FILE) appendFileSync(process.env.LOADED_MODULES_FILE, `${url}\n`);
  return nextLoad(url, context);
}
