import { describe, it } from 'vitest';
import { requireTool, type ToolGate } from './tools.ts';

/**
 * The traffic routers every contract test runs against, unchanged: each
 * with the spec fields that select it and the gate of the tools it needs.
 * A test suite does `describe.each(TRAFFIC_ROUTERS)` and spreads `spec`
 * into its specs.
 */
export interface RouterUnderTest {
  name: 'builtin' | 'haproxy';
  /** Merged into every spec the test writes. */
  spec: Record<string, unknown>;
  gate: ToolGate;
}

const always: ToolGate = { available: true, describe: (name, body) => describe(name, body), it: (name, body, timeout) => it(name, body, timeout) };

const ALL: RouterUnderTest[] = [
  { name: 'builtin', spec: {}, gate: always },
  { name: 'haproxy', spec: { traffic: { router: 'haproxy' } }, gate: requireTool('haproxy') },
];

/** All of them; `CUTOVER_TEST_ROUTERS=haproxy` (a comma list) runs only those, to save time while working on one. */
export const TRAFFIC_ROUTERS: RouterUnderTest[] = process.env.CUTOVER_TEST_ROUTERS
  ? ALL.filter((router) => process.env.CUTOVER_TEST_ROUTERS!.split(',').includes(router.name))
  : ALL;
