import { describe, expect, it } from 'vitest';
import { mulberry32, sampleNormal, type Random } from '../../../bench/stats/random.ts';
import { createComparativeJudge } from '../../analysis/judge/index.ts';
import { trafficBatchFrom } from '../../analysis/providers/traffic-batch.ts';
import { silentLogger } from '../../monitoring/logger.ts';
import { LOG_SHARE_ALL } from './config-file.ts';
import { LogStream } from './log-stream.ts';

/**
 * The comparative judge fed by HAProxy logging a share of its answers: each
 * second of traffic goes through HAProxy's rule (every 5xx logged, any other
 * answer with probability share/1024) and the log stream, and the judge reads
 * the samples as the compare provider does. Seeded, so each figure reproduces.
 */
const STABLE_PORT = 4001;
const CANARY_PORT = 4002;

/** One run of `seconds` at `rate` req/s, 20% to the canary; true when the judge failed the canary. */
function run(random: Random, options: { seconds: number; rate: number; share: number; stableErrorRate: number; canaryErrorRate: number }): { failed: boolean; seconds: number; samples: number } {
  const stream = new LogStream('k', silentLogger());
  stream.statsOf('svc');
  stream.learn('svc', [
    { id: 'stable', revision: 1, port: STABLE_PORT, inRotation: true },
    { id: 'canary', revision: 2, port: CANARY_PORT, inRotation: true },
  ]);
  const judge = createComparativeJudge();
  let after = 0;
  let samples = 0;
  for (let second = 1; second <= options.seconds; second++) {
    for (let i = 0; i < options.rate; i++) {
      const canary = random() < 0.2;
      const status = random() < (canary ? options.canaryErrorRate : options.stableErrorRate) ? 500 : 200;
      const ms = (20 * Math.exp(0.5 * sampleNormal(random))).toFixed(0);
      if (status < 500 && random() * LOG_SHARE_ALL >= options.share) continue;
      stream.record(`cutover k svc ${canary ? CANARY_PORT : STABLE_PORT} ${status} ${ms} ---- weighted GET / ${options.share}`, random);
    }
    const read = stream.statsOf('svc').samples.after(after);
    after = read.seq;
    samples += read.status.length;
    const { batch } = trafficBatchFrom(read, { canary: 2, stable: 1 }, 0, 1);
    if (judge.observe(batch).decision === 'fail') return { failed: true, seconds: second, samples };
  }
  return { failed: false, seconds: options.seconds, samples };
}

describe('the comparative judge on the samples of HAProxy logging 1 answer in 8', () => {
  it('keeps its false alarms within alpha (1%): a healthy canary, 30 runs of 40 s at 2,000 req/s', () => {
    const random = mulberry32(20261201);
    const runs = Array.from({ length: 30 }, () => run(random, { seconds: 40, rate: 2000, share: 128, stableErrorRate: 0.01, canaryErrorRate: 0.01 }));
    const falseAlarms = runs.filter((result) => result.failed).length;
    // About 2,000/8 = 250 samples a second reached the judge (the 5xx thinned alike).
    expect(runs[0]!.samples / 40).toBeGreaterThan(200);
    expect(runs[0]!.samples / 40).toBeLessThan(300);
    // With alpha 1%, 30 runs give 0.3 false alarms on average; 3 or more would happen with probability < 0.5%.
    expect(falseAlarms).toBeLessThanOrEqual(2);
  }, 60_000);

  it('still catches the issue\'s bad canary (1% → 5% errors at 20% of the traffic) in every run', () => {
    const random = mulberry32(7);
    const runs = Array.from({ length: 10 }, () => run(random, { seconds: 40, rate: 2000, share: 128, stableErrorRate: 0.01, canaryErrorRate: 0.05 }));
    expect(runs.every((result) => result.failed)).toBe(true);
  }, 60_000);
});
