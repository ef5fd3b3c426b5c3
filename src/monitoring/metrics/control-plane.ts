import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Deployment } from '../../core/deployment.ts';
import type { StoredEvent } from '../../store/deployments.ts';
import { readEvent } from './events.ts';
import { observeDeploymentEvent } from './observe.ts';
import { registerStateGauges, type ServiceState } from './state-gauges.ts';

/** One instance as the instances gauge counts it. */
export interface InstanceSample {
  service: string;
  environment: string;
  revision: number | string;
  state: string;
}

export interface ControlPlaneMetrics {
  /** This control plane's own registry, so tests and embedders never share the global one. */
  readonly registry: Registry;
  /** The Content-Type to answer `/metrics` with. */
  readonly contentType: string;
  /**
   * Updates counters and histograms from one stored event. `before` is the
   * deployment's state BEFORE the event was applied (null for
   * DeploymentCreated, whose event carries the deployment): step and
   * deployment durations are measured from its `stepStartedAt` and
   * `createdAt` to the event's `at`, and a finished analysis's metrics are
   * read from its `analyses`. Events it does not read are ignored.
   */
  observeEvent(event: StoredEvent, before: Deployment | null): void;
  /** Counts deployments already running when the control plane (re)started, so the in-progress gauge is right at once. */
  trackInProgress(deployments: readonly Deployment[]): void;
  /** Where the instances gauge reads from at each scrape. */
  setInstanceSource(source: () => readonly InstanceSample[]): void;
  /** Where the state gauges (phase, weight, step, analysis metric phase) read from at each scrape. */
  setStateSource(source: () => readonly ServiceState[]): void;
  /** The whole registry in the text exposition format. */
  metricsText(): Promise<string>;
}

const DEPLOYMENT_SECONDS = [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];
const STEP_SECONDS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/**
 * prom-client's default metrics include three gauges named `*_total`, which
 * Prometheus reserves for counters (promtool rejects them; prometheus/client_js
 * issue #283). They are the sum of the per-type gauges beside them:
 * `sum without (type) (nodejs_active_handles)`.
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface BuildInfo {
  /** cutover's version (package.json). */
  version: string;
}

export function createControlPlaneMetrics(build: BuildInfo = { version: 'unknown' }): ControlPlaneMetrics {
  const registry = new Registry();
  const registers = [registry];
  const deploymentLabels = ['service', 'environment', 'strategy', 'outcome'] as const;
  const metrics = {
    deployments: new Counter({ name: 'cutover_deployments_total', help: 'Deployments finished, by outcome (Succeeded, RolledBack, Aborted, Failed, Superseded).', labelNames: deploymentLabels, registers }),
    deploymentSeconds: new Histogram({ name: 'cutover_deployment_duration_seconds', help: 'Time from a deployment being created to it finishing.', labelNames: deploymentLabels, buckets: DEPLOYMENT_SECONDS, registers }),
    stepSeconds: new Histogram({ name: 'cutover_step_duration_seconds', help: 'Time each completed plan step took, by step type.', labelNames: ['service', 'environment', 'step'] as const, buckets: STEP_SECONDS, registers }),
    rollbacks: new Counter({ name: 'cutover_rollbacks_total', help: 'Rollbacks and aborts begun, by cause (the error code, Aborted, Superseded or Manual).', labelNames: ['service', 'environment', 'cause'] as const, registers }),
    verdicts: new Counter({ name: 'cutover_analysis_verdicts_total', help: 'How each metric of a finished analysis ended (Successful, Failed, Inconclusive, Error).', labelNames: ['service', 'environment', 'metric', 'verdict'] as const, registers }),
  };

  // Unfinished deployments by id: kept from events rather than incremented
  // and decremented, so a restart or a missed event cannot make it drift.
  type ServiceLabels = { service: string; environment: string };
  const inProgress = new Map<number, ServiceLabels>();
  const knownServices = new Map<string, ServiceLabels>();
  const track = (deployment: Deployment): void => {
    const labels = { service: deployment.service, environment: deployment.environment };
    knownServices.set(`${labels.environment}/${labels.service}`, labels);
    if (deployment.finishedAt === null) inProgress.set(deployment.id, labels);
    else inProgress.delete(deployment.id);
  };
  const inProgressGauge: Gauge<'service' | 'environment'> = new Gauge({
    name: 'cutover_deployments_in_progress',
    help: 'Deployments not finished yet.',
    labelNames: ['service', 'environment'] as const,
    registers,
    collect: () => {
      inProgressGauge.reset();
      // Services with none still report 0, so a graph drops to zero instead of ending.
      for (const labels of knownServices.values()) inProgressGauge.set(labels, 0);
      for (const labels of inProgress.values()) inProgressGauge.inc(labels);
    },
  });

  let instanceSource: () => readonly InstanceSample[] = () => [];
  const instancesGauge: Gauge<'service' | 'environment' | 'revision' | 'state'> = new Gauge({
    name: 'cutover_instances',
    help: 'Instances the control plane manages, by revision and state.',
    labelNames: ['service', 'environment', 'revision', 'state'] as const,
    registers,
    collect: () => {
      instancesGauge.reset();
      // A failing source empties this gauge rather than failing the whole scrape.
      let instances: readonly InstanceSample[] = [];
      try {
        instances = instanceSource();
      } catch {
        return;
      }
      for (const instance of instances) {
        instancesGauge.inc({ service: instance.service, environment: instance.environment, revision: String(instance.revision), state: instance.state });
      }
    },
  });

  new Gauge({ name: 'cutover_build_info', help: 'The version of cutover and of Node.js running the control plane (always 1).', labelNames: ['version', 'node_version'] as const, registers }).set(
    { version: build.version, node_version: process.version },
    1,
  );
  let stateSource: () => readonly ServiceState[] = () => [];
  registerStateGauges(registry, () => stateSource());

  // Standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …), unprefixed, so stock Node.js dashboards work.
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);

  return {
    registry,
    contentType: registry.contentType,
    observeEvent(stored, before) {
      const event = readEvent(stored);
      if (!event) return;
      if (before) track(before);
      observeDeploymentEvent(metrics, event, before, stored.at);
      if (event.type === 'DeploymentCreated') track(event.deployment);
      if (event.type === 'Finished' && before) inProgress.delete(before.id);
    },
    trackInProgress(deployments) {
      deployments.forEach(track);
    },
    setInstanceSource(source) {
      instanceSource = source;
    },
    setStateSource(source) {
      stateSource = source;
    },
    // registry.metrics(), one metric at a time with the server's other work in between: at 1,000 services a
    // scrape is about 7 MB (69,000 lines; the step histogram alone 45,000) and took 250 ms of the thread in one piece.
    async metricsText() {
      const texts: string[] = [];
      for (const metric of registry.getMetricsAsArray()) {
        texts.push(await registry.getSingleMetricAsString(metric.name));
        await yieldToOthers();
      }
      return `${texts.join('\n\n')}\n`;
    },
  };
}
