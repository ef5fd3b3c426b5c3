import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RouterConfig } from '../../router/wire.ts';
import { requireTool } from '../../../test/support/tools.ts';
import { mapEntries, planLayout, renderConfig, renderMapFile, routePatterns, runtimeCommands, shapeOf, slotStates } from './config-file.ts';

const base: RouterConfig = {
  service: 'hello',
  port: 8080,
  weights: { '1': 80, '2': 20 },
  backends: [
    { id: 'hello-r1-a', revision: 1, port: 4001, inRotation: true },
    { id: 'hello-r1-b', revision: 1, port: 4002, inRotation: true },
    { id: 'hello-r1-c', revision: 1, port: 4003, inRotation: true },
    { id: 'hello-r2-a', revision: 2, port: 4004, inRotation: true },
  ],
  healthCheck: { path: '/healthz', intervalMs: 500, timeoutMs: 1000, unhealthyThreshold: 3 },
  generation: 3,
};
const ports = { logPort: 5140, logVia: 'ring-sampled-var' as const, logKey: 'k3y', metricsPort: 9101 };

describe('the HAProxy config', () => {
  it('spreads each revision\'s share over its instances in rotation, 256 for the largest server', () => {
    const layout = planLayout(base, undefined);
    const states = slotStates(base, layout);
    const weights = base.backends.map((backend) => states.get(layout.slotOf[backend.id]!)!.weight);
    // 80/3 per stable instance against 20 for the single canary.
    expect(weights).toEqual([256, 256, 256, 192]);
    const total = weights.reduce((a, b) => a + b, 0);
    expect(weights[3]! / total).toBeCloseTo(0.2, 2);
  });

  it('keeps at least weight 1 for a revision with a 1% share, and 0 for instances out of rotation', () => {
    const config = { ...base, weights: { '1': 99, '2': 1 }, backends: [...base.backends.slice(0, 3), { ...base.backends[3]!, inRotation: false }, { id: 'hello-r2-b', revision: 2, port: 4005, inRotation: true }] };
    const layout = planLayout(config, undefined);
    const states = slotStates(config, layout);
    expect(states.get(layout.slotOf['hello-r2-a']!)!.weight).toBe(0);
    expect(states.get(layout.slotOf['hello-r2-b']!)!.weight).toBe(8);
  });

  it('keeps slots and pools across applies and reuses a freed slot last', () => {
    const first = planLayout(base, undefined);
    const next = planLayout({ ...base, backends: [...base.backends.slice(1), { id: 'hello-r3-a', revision: 3, port: 4010, inRotation: true }] }, first);
    for (const backend of base.backends.slice(1)) expect(next.slotOf[backend.id]).toBe(first.slotOf[backend.id]);
    expect(next.slotOf['hello-r3-a']).toBe(4);
    expect(next.poolOf).toEqual({ '1': 0, '2': 1, '3': 2 });
    expect(shapeOf(base, next, ports)).toBe(shapeOf(base, first, ports));
  });

  it('changes a running HAProxy through runtime commands: a new instance fills a slot, a gone one is put in maintenance, the map follows', () => {
    const before = { config: base, layout: planLayout(base, undefined) };
    const config = { ...base, weights: { '2': 100 }, previewRevision: 2, backends: [...base.backends.slice(0, 2), base.backends[3]!, { id: 'hello-r2-b', revision: 2, port: 4005, inRotation: true }] };
    const after = { config, layout: planLayout(config, before.layout) };
    const commands = runtimeCommands(before, after, { mapFile: '/x/revisions.map', routeAclFile: '/x/route.acl' });
    expect(commands).toContain('set server weighted/s4 addr 127.0.0.1 port 4005');
    expect(commands).toContain('set server pool_1/s4 state ready');
    expect(commands).toContain('set weight weighted/s0 0');
    expect(commands).toContain('set weight weighted/s3 256');
    expect(commands).toContain('set server weighted/s2 state maint');
    expect(commands).toContain('add map /x/revisions.map preview pool_1');
    expect(commands.some((command) => command.startsWith('del map'))).toBe(false);
    expect(renderMapFile(mapEntries(config, after.layout))).toBe('1 pool_0\n2 pool_1\npreview pool_1\n');
  });

  it('sends a swarm task\'s slot to its node\'s address, in the file and at runtime, and moves it when only the address changes', () => {
    const onNodes = { ...base, backends: [{ ...base.backends[0]!, host: '10.204.47.2' }, ...base.backends.slice(1)] };
    const layout = planLayout(onNodes, undefined);
    const paths = { adminSocket: '/x/a', masterSocket: '/x/m', pidFile: '/x/p', mapFile: '/x/revisions.map', routeAclFile: '/x/route.acl' };
    const text = renderConfig(onNodes, layout, ports, paths);
    expect(text).toContain('  server s0 10.204.47.2:4001 weight 256');
    expect(text).toContain('  server s1 127.0.0.1:4002 weight 256');
    expect(text).toContain('  server s0 10.204.47.2:4001 weight 1 no-check track weighted/s0');
    const fresh = runtimeCommands(undefined, { config: onNodes, layout }, paths);
    expect(fresh).toContain('set server weighted/s0 addr 10.204.47.2 port 4001');
    expect(fresh).toContain('set server pool_0/s0 addr 10.204.47.2 port 4001');
    const moved = { ...onNodes, backends: [{ ...onNodes.backends[0]!, host: '10.204.48.2' }, ...onNodes.backends.slice(1)] };
    const commands = runtimeCommands({ config: onNodes, layout }, { config: moved, layout: planLayout(moved, layout) }, paths);
    expect(commands).toContain('set server weighted/s0 addr 10.204.48.2 port 4001');
    expect(commands.filter((command) => command.includes(' addr '))).toHaveLength(1 + layout.pools);
  });

  it('routes a header route to its revision\'s pool after the pin header, changed at runtime without a reload', () => {
    const config = { ...base, headerRoute: { header: 'x-beta', regex: 'alpha|be ta;', revision: 2 } };
    const layout = planLayout(config, undefined);
    const paths = { adminSocket: '/x/a', masterSocket: '/x/m', pidFile: '/x/p', mapFile: '/x/revisions.map', routeAclFile: '/x/route.acl' };
    const text = renderConfig(base, layout, ports, paths);
    expect(text).toContain('  acl header_route req.hdrs -m reg -f /x/route.acl');
    expect(text.indexOf('header_route')).toBeGreaterThan(text.indexOf('if pinned pin_known'));
    expect(shapeOf(config, layout, ports)).toBe(shapeOf(base, layout, ports));
    expect(routePatterns(config)).toEqual(['(?m)^x\\-beta: (?:alpha|be ta;)\\r$']);
    expect(routePatterns({ headerRoute: { header: 'x-beta', exact: 'v1.2 (beta)', revision: 2 } })).toEqual(['(?m)^x\\-beta: (?:v1\\.2 \\(beta\\))\\r$']);

    const set = runtimeCommands({ config: base, layout }, { config, layout }, paths);
    expect(set).toContain('clear acl /x/route.acl');
    expect(set).toContain('add acl /x/route.acl (?m)^x\\\\-beta:\\ (?:alpha|be\\ ta\\;)\\\\r$');
    expect(set).toContain('add map /x/revisions.map route pool_1');
    const cleared = runtimeCommands({ config, layout }, { config: base, layout }, paths);
    expect(cleared.filter((command) => /acl|route/.test(command))).toEqual(['clear acl /x/route.acl', 'del map /x/revisions.map route']);
    // An HAProxy started before header routes has no such ACL: it is reloaded once.
    expect(shapeOf(base, layout, ports)).not.toBe(shapeOf(base, { ...layout, routeAcl: undefined }, ports));
  });

  const gate = requireTool('haproxy');
  gate.it('is a config HAProxy accepts, with a preview port, trusted proxies and a header route', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutover-haproxy-config-'));
    try {
      const config = { ...base, previewPort: 8081, previewRevision: 2, trustedProxies: ['10.0.0.0/8'], headerRoute: { header: 'x-beta', regex: '(?:alpha|beta)-[a-z]{2,8}\\d$#', revision: 2 } };
      const paths = { adminSocket: join(dir, 'a.sock'), masterSocket: join(dir, 'm.sock'), pidFile: join(dir, 'pid'), mapFile: join(dir, 'revisions.map'), routeAclFile: join(dir, 'route.acl') };
      writeFileSync(paths.routeAclFile, routePatterns(config).join('\n'));
      const layout = planLayout(config, undefined);
      writeFileSync(paths.mapFile, renderMapFile(mapEntries(config, layout)));
      writeFileSync(join(dir, 'haproxy.cfg'), renderConfig(config, layout, ports, paths));
      const check = spawnSync('haproxy', ['-c', '-f', join(dir, 'haproxy.cfg')], { encoding: 'utf8' });
      expect(check.status, check.stderr + check.stdout).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
