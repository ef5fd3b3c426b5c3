import { describe, expect, it } from 'vitest';
import { escapeLabelValue, formatValue } from './exposition.ts';
import { routerMetricsText } from './router-text.ts';
import { sampleRouterStats } from '../../../test/support/metric-samples.ts';

describe('routerMetricsText', () => {
  const text = routerMetricsText(sampleRouterStats(), { service: 'hello' });
  const lines = text.split('\n');

  it('counts requests and errors of each kind per revision, in revision order', () => {
    expect(lines).toContain('cutover_router_requests_total{service="hello",revision="9"} 120');
    expect(lines).toContain('cutover_router_errors_total{service="hello",revision="9",kind="upstream_5xx"} 2');
    expect(lines).toContain('cutover_router_errors_total{service="hello",revision="10",kind="router"} 1');
    expect(text.indexOf('revision="9"')).toBeLessThan(text.indexOf('revision="10"'));
  });

  it('renders latency as a histogram in seconds with a +Inf bucket, sum and count', () => {
    expect(lines).toContain('cutover_router_request_duration_seconds_bucket{service="hello",revision="9",le="0.001"} 5');
    expect(lines).toContain('cutover_router_request_duration_seconds_bucket{service="hello",revision="9",le="2.5"} 119');
    expect(lines).toContain('cutover_router_request_duration_seconds_bucket{service="hello",revision="9",le="10"} 119');
    expect(lines).toContain('cutover_router_request_duration_seconds_bucket{service="hello",revision="9",le="+Inf"} 120');
    expect(lines).toContain('cutover_router_request_duration_seconds_sum{service="hello",revision="9"} 0.612');
    expect(lines).toContain('cutover_router_request_duration_seconds_count{service="hello",revision="9"} 120');
  });

  it('reports each backend in flight and healthy as 1 or 0', () => {
    expect(lines).toContain('cutover_router_backend_in_flight{service="hello",backend="hello-9-a"} 2');
    expect(lines).toContain('cutover_router_backend_healthy{service="hello",backend="hello-10-a"} 0');
    expect(lines).toContain('cutover_router_backend_healthy{service="hello",backend="hello-9-a"} 1');
  });

  it('gives every family one HELP and one TYPE line and ends with a line feed', () => {
    for (const name of ['requests_total', 'errors_total', 'request_duration_seconds', 'backend_in_flight', 'backend_healthy']) {
      expect(lines.filter((l) => l.startsWith(`# HELP cutover_router_${name} `))).toHaveLength(1);
      expect(lines.filter((l) => l.startsWith(`# TYPE cutover_router_${name} `))).toHaveLength(1);
    }
    expect(text.endsWith('\n')).toBe(true);
  });

  it('escapes label values so an odd service name cannot break the format', () => {
    const odd = routerMetricsText(sampleRouterStats(), { service: 'a"b\\c\nd' });
    expect(odd).toContain('service="a\\"b\\\\c\\nd"');
    expect(escapeLabelValue('plain')).toBe('plain');
  });

  it('spells out special values the way Prometheus parses them', () => {
    expect([NaN, Infinity, -Infinity, 0.25].map(formatValue)).toEqual(['NaN', '+Inf', '-Inf', '0.25']);
  });

  it('still declares every family when the router has served nothing', () => {
    const empty = routerMetricsText({ service: 'hello', generation: 0, revisions: {}, backends: {} }, { service: 'hello' });
    expect(empty.split('\n').filter((l) => l.startsWith('# TYPE'))).toHaveLength(6);
  });

  it('counts requests by status class when the router counts them', () => {
    const stats = sampleRouterStats();
    stats.revisions['9']!.statusClasses = { '2xx': 117, '4xx': 1, '5xx': 2 };
    const classed = routerMetricsText(stats, { service: 'hello' }).split('\n');
    expect(classed).toContain('cutover_router_requests_total{service="hello",revision="9",status_class="2xx"} 117');
    expect(classed).toContain('cutover_router_requests_total{service="hello",revision="9",status_class="5xx"} 2');
    expect(classed.some((l) => l.includes('status_class="3xx"'))).toBe(false);
  });

  it('maps each revision to its version with an _info gauge', () => {
    const text = routerMetricsText(sampleRouterStats(), { service: 'hello', versions: { '10': '2.0.0', '9': '1.0.0' } }).split('\n');
    expect(text).toContain('cutover_router_revision_info{service="hello",revision="9",version="1.0.0"} 1');
    expect(text).toContain('cutover_router_revision_info{service="hello",revision="10",version="2.0.0"} 1');
  });
});
