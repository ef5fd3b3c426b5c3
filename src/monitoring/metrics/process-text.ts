import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { formatFamily, type MetricFamily } from './exposition.ts';

/** Started at the first scrape; reset after each, like prom-client's, so a scrape shows the delay since the last one. */
let loopDelay: IntervalHistogram | undefined;

/**
 * The standard process metrics, under the names every Prometheus client
 * library uses (`process_*`, unprefixed), so stock dashboards and alerts work
 * on routers too. Hand-written, like the rest of the router's metrics, so the
 * router does not load prom-client.
 */
export function processMetricsText(): string {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const startSeconds = Math.round((Date.now() - process.uptime() * 1000) / 1000);
  const families: MetricFamily[] = [
    { name: 'process_cpu_user_seconds_total', help: 'Total user CPU time spent in seconds.', type: 'counter', samples: [{ labels: {}, value: cpu.user / 1e6 }] },
    { name: 'process_cpu_system_seconds_total', help: 'Total system CPU time spent in seconds.', type: 'counter', samples: [{ labels: {}, value: cpu.system / 1e6 }] },
    { name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.', type: 'counter', samples: [{ labels: {}, value: (cpu.user + cpu.system) / 1e6 }] },
    { name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.', type: 'gauge', samples: [{ labels: {}, value: startSeconds }] },
    { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', type: 'gauge', samples: [{ labels: {}, value: memory.rss }] },
    { name: 'nodejs_heap_size_used_bytes', help: 'Process heap size used from Node.js in bytes.', type: 'gauge', samples: [{ labels: {}, value: memory.heapUsed }] },
    { name: 'nodejs_heap_size_total_bytes', help: 'Process heap size from Node.js in bytes.', type: 'gauge', samples: [{ labels: {}, value: memory.heapTotal }] },
  ];
  if (!loopDelay) {
    loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
  } else if (loopDelay.count > 0) {
    // Under the names prom-client gives the control plane's: one dashboard for both.
    families.push(
      { name: 'nodejs_eventloop_lag_p99_seconds', help: 'The 99th percentile of the recorded event loop delays.', type: 'gauge', samples: [{ labels: {}, value: loopDelay.percentile(99) / 1e9 }] },
      { name: 'nodejs_eventloop_lag_max_seconds', help: 'The maximum recorded event loop delay.', type: 'gauge', samples: [{ labels: {}, value: loopDelay.max / 1e9 }] },
    );
    loopDelay.reset();
  }
  return families.map(formatFamily).join('');
}
