import { describe, expect, it } from 'vitest';
import { createRouterLogger } from './log.ts';

describe('createRouterLogger', () => {
  it('writes one JSON line per event in pino\'s shape, errors included', () => {
    const lines: string[] = [];
    const logger = createRouterLogger((line) => lines.push(line));
    logger.info({ port: 8080 }, 'router listening');
    logger.error({ err: new Error('boom') }, 'push failed');
    expect(lines.every((line) => line.endsWith('\n'))).toBe(true);
    const [first, second] = lines.map((line) => JSON.parse(line));
    expect(first).toMatchObject({ level: 30, component: 'router', pid: process.pid, port: 8080, msg: 'router listening' });
    expect(Date.parse(first.time)).not.toBeNaN();
    expect(second).toMatchObject({ level: 50, err: { type: 'Error', message: 'boom' }, msg: 'push failed' });
  });
});
