import { formatFamily, type MetricFamily } from './exposition.ts';

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
  return families.map(formatFamily).join('');
}
