import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../monitoring/logger.ts';
import { LogStream } from './log-stream.ts';

/** What HAProxy's ring forwarder writes: newline-ended lines, as many per write as the ring holds. */
async function send(port: number, writes: string[]): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  for (const text of writes) {
    socket.write(text);
    // Separate TCP segments, so a line split across writes is read across chunks.
    await sleep(20);
  }
  socket.end();
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(25);
}

const line = (key: string, port: number, status: number, ms = 5) => `cutover ${key} svc ${port} ${status} ${ms} ---- weighted GET /\n`;

describe('HAProxy log stream', () => {
  let stream: LogStream | undefined;
  afterEach(() => stream?.close());

  it('reads many lines per write and lines split across writes, and ignores lines without the key', async () => {
    stream = new LogStream('k3y', silentLogger());
    const port = await stream.listen(0);
    stream.statsOf('svc');
    stream.learn('svc', [{ id: 'a', revision: 1, port: 4001, inRotation: true }, { id: 'b', revision: 2, port: 4002, inRotation: true }]);
    const batch = line('k3y', 4001, 200) + line('k3y', 4002, 500) + line('forged', 4002, 500);
    const split = line('k3y', 4001, 200);
    await send(port, [batch + split.slice(0, 11), split.slice(11)]);
    const stats = stream.statsOf('svc');
    await until(() => stats.samples.after(0).seq >= 3);
    const samples = stats.samples.after(0);
    expect(samples.revision).toEqual([1, 2, 1]);
    expect(samples.status).toEqual([200, 500, 200]);
  });

  it('counts an instance\'s age from its first answer, not from when it came into rotation (a canary waits cold at weight 0)', async () => {
    stream = new LogStream('k3y', silentLogger());
    const port = await stream.listen(0);
    stream.statsOf('svc');
    stream.learn('svc', [{ id: 'a', revision: 1, port: 4001, inRotation: true }]);
    await sleep(300);
    await send(port, [line('k3y', 4001, 200)]);
    await sleep(200);
    await send(port, [line('k3y', 4001, 200)]);
    const stats = stream.statsOf('svc');
    await until(() => stats.samples.after(0).seq >= 2);
    const ages = stats.samples.after(0).instanceAgeMs!;
    expect(ages[0]).toBeLessThan(150);
    expect(ages[1]).toBeGreaterThanOrEqual(150);
  });

  it('drops a connection that sends a line longer than HAProxy ever writes', async () => {
    stream = new LogStream('k3y', silentLogger());
    const port = await stream.listen(0);
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const closed = new Promise<boolean>((resolve) => socket.once('close', () => resolve(true)));
    socket.on('error', () => undefined);
    socket.write('x'.repeat(10_000));
    expect(await Promise.race([closed, sleep(5_000).then(() => false)])).toBe(true);
  });
});
