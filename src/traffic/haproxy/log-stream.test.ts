import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../monitoring/logger.ts';
import { mulberry32 } from '../../../bench/stats/random.ts';
import { LOG_SHARE_ALL } from './config-file.ts';
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

describe('HAProxy log stream while HAProxy logs a share of its answers', () => {
  const sampled = (port: number, status: number, share: number | '-', state = '----', ms = 5) => `cutover k3y svc ${port} ${status} ${ms} ${state} weighted GET / ${share}`;
  const streamOf = () => {
    const stream = new LogStream('k3y', silentLogger());
    stream.statsOf('svc');
    stream.learn('svc', [{ id: 'a', revision: 1, port: 4001, inRotation: true }]);
    return stream;
  };

  it('counts a line logged at share 256/1024 as 4 answers, with its latency, and makes it one sample', () => {
    const stream = streamOf();
    stream.record(sampled(4001, 200, 256, '----', 7));
    const counts = stream.snapshot('svc')['1']!;
    expect(counts.requests).toBe(4);
    expect(counts.statusClasses?.['2xx']).toBe(4);
    expect(counts.latency.count).toBe(4);
    expect(counts.latency.sumMs).toBe(28);
    expect(stream.statsOf('svc').samples.after(0).seq).toBe(1);
  });

  it('counts every 5xx line once (HAProxy logs them all) and keeps it as a sample with the share\'s probability', () => {
    const stream = streamOf();
    stream.record(sampled(4001, 500, 256), () => 0.1);
    stream.record(sampled(4001, 503, 256), () => 0.9);
    const counts = stream.snapshot('svc')['1']!;
    expect(counts.requests).toBe(2);
    expect(counts.errors5xx).toBe(2);
    expect(counts.statusClasses?.['5xx']).toBe(2);
    expect(stream.statsOf('svc').samples.after(0).status).toEqual([500]);
  });

  it('counts HAProxy\'s own answers (no share on the line), lines from older configs (no share field) and requests that got no answer once', () => {
    const stream = streamOf();
    stream.record(sampled(4001, 503, '-', 'SC--'));
    stream.record(`cutover k3y svc 4001 200 5 ---- weighted GET /`);
    // No answer (the client left first): the sampling rule never ran, so the line is there whatever the share it carries.
    stream.record(sampled(4001, -1, 256, 'CD--'));
    const counts = stream.snapshot('svc')['1']!;
    expect(counts.requests).toBe(3);
    expect(counts.routerErrors).toBe(1);
  });

  it('keeps the samples a uniform draw: their error rate is the traffic\'s, and the counts match what was sent', () => {
    const stream = streamOf();
    const random = mulberry32(11);
    const share = 64;
    let sent = 0;
    let errors = 0;
    for (let i = 0; i < 200_000; i++) {
      const status = random() < 0.02 ? 500 : 200;
      sent++;
      if (status === 500) errors++;
      // HAProxy's rule: every 5xx is logged, any other answer with probability share/1024.
      if (status === 500 || random() * LOG_SHARE_ALL < share) stream.record(sampled(4001, status, share), random);
    }
    const counts = stream.snapshot('svc')['1']!;
    expect(counts.errors5xx).toBe(errors);
    expect(Math.abs(counts.requests - sent) / sent).toBeLessThan(0.03);
    const samples = stream.statsOf('svc').samples.after(0);
    const sampleErrorRate = samples.status.filter((status) => status >= 500).length / samples.status.length;
    expect(samples.status.length).toBeGreaterThan(10_000);
    expect(Math.abs(sampleErrorRate - 0.02)).toBeLessThan(0.005);
  });

  it('tells the rate of requests (lines weighted) and the share the latest line carried', () => {
    const stream = streamOf();
    const start = performance.now();
    for (let i = 0; i < 10; i++) stream.record(sampled(4001, 200, 128));
    const rate = stream.takeRate('svc', start + 1000)!;
    expect(rate.share).toBe(128);
    expect(rate.requestsPerSecond).toBeGreaterThan(75);
    expect(rate.requestsPerSecond).toBeLessThanOrEqual(81);
    expect(stream.takeRate('svc')).toBeUndefined();
  });
});
