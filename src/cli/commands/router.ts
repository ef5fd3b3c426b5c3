import { runRouter } from '../../router/index.ts';

/** `cutover router`: runs one service's data plane in this process until SIGTERM or SIGINT. */
export async function routerCommand(options: { stateFile: string; adminPort: string; tokenFile: string }): Promise<number> {
  const router = await runRouter({ stateFile: options.stateFile, adminPort: Number(options.adminPort), tokenFile: options.tokenFile, exitOnSignal: true });
  await router.stopped;
  return 0;
}
