/** HAProxy as a traffic router: its processes, its config file, its runtime API and its log stream. */
export { HaproxyTrafficRouter } from './haproxy-router.ts';
export { planLayout, renderConfig, runtimeCommands } from './config-file.ts';
