/**
 * Indexes for a control plane with many services (issue 15, bench:scale):
 * the reads that run every second or after every deployment no longer scan
 * every instance or deployment ever recorded.
 *
 * - the supervision pass and the instances gauge read the live instances
 *   (state in starting, ready, draining) among every stopped one kept as
 *   history;
 * - instances due for retirement (retire_at set) are a handful;
 * - a revision folder's users are counted by its dir;
 * - unfinished deployments (recovery, supersede, alert timers, active()).
 */
export const SCALE_INDEXES = `
  CREATE INDEX instances_by_state ON instances (state, service, environment, revision);
  CREATE INDEX instances_retiring ON instances (retire_at) WHERE retire_at IS NOT NULL;
  CREATE INDEX instances_by_dir ON instances (dir);
  CREATE INDEX deployments_unfinished ON deployments (id) WHERE finished = 0;
`;
