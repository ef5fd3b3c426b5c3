/**
 * Per-environment settings in one spec: `spec.environments.<env>` overrides
 * port, previewPort, instances, run.env, strategy, analysis and supersede for that
 * environment. Pure: the raw document in, the document for one environment
 * out; validation of the result is the caller's (load.ts).
 */
import type { FieldProblem } from '../core/errors.ts';

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The environments a document has overrides for (none when `spec.environments` is not a mapping). */
export function overriddenEnvironments(document: unknown): string[] {
  const environments = isMapping(document) && isMapping(document.spec) ? document.spec.environments : undefined;
  return isMapping(environments) ? Object.keys(environments) : [];
}

/**
 * The document as it deploys to `environment`: the spec with that
 * environment's overrides merged in, `spec.environment` set to it and
 * `spec.environments` removed. Problems an override cannot be applied with
 * (a previewPort without blueGreen, an analysis with rolling) are returned.
 */
export function forEnvironment(document: unknown, environment: string): { document: unknown; problems: FieldProblem[] } {
  if (!isMapping(document) || !isMapping(document.spec)) return { document, problems: [] };
  const { environments, ...base } = document.spec;
  const spec: Mapping = { ...base, environment };
  const overrides = isMapping(environments) ? environments[environment] : undefined;
  const problems: FieldProblem[] = [];
  if (isMapping(overrides)) {
    const at = `spec.environments.${environment}`;
    if (overrides.port !== undefined) spec.port = overrides.port;
    if (overrides.instances !== undefined) spec.instances = overrides.instances;
    if (isMapping(overrides.run) && isMapping(overrides.run.env)) {
      const run = isMapping(spec.run) ? spec.run : {};
      spec.run = { ...run, env: { ...(isMapping(run.env) ? run.env : {}), ...overrides.run.env } };
    }
    if (overrides.supersede !== undefined) spec.supersede = overrides.supersede;
    if (overrides.strategy !== undefined) spec.strategy = overrides.strategy;
    const strategy: Mapping = isMapping(spec.strategy) ? spec.strategy : { rolling: {} };
    if (overrides.previewPort !== undefined) {
      if (isMapping(strategy.blueGreen)) spec.strategy = { ...strategy, blueGreen: { ...strategy.blueGreen, previewPort: overrides.previewPort } };
      else problems.push({ path: `${at}.previewPort`, message: `a preview port needs the blueGreen strategy; ${environment} deploys with ${Object.keys(strategy).join(', ') || 'rolling'}` });
    }
    if (overrides.analysis !== undefined) {
      const current: Mapping = isMapping(spec.strategy) ? spec.strategy : strategy;
      if (isMapping(current.canary)) spec.strategy = { ...current, canary: { ...current.canary, analysis: overrides.analysis } };
      else if (isMapping(current.blueGreen)) spec.strategy = { ...current, blueGreen: { ...current.blueGreen, prePromotionAnalysis: overrides.analysis } };
      else problems.push({ path: `${at}.analysis`, message: `an analysis needs the canary or blueGreen strategy; ${environment} deploys with ${Object.keys(current).join(', ') || 'rolling'}` });
    }
  }
  return { document: { ...document, spec }, problems };
}
