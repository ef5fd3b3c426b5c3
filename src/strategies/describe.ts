import { formatDuration } from '../core/duration.ts';
import type { Step } from '../core/types.ts';

/** A step in the words status output uses: "set weight 20%", "pause until promoted". */
export function describeStep(step: Step): string {
  switch (step.type) {
    case 'scale':
      return `scale ${step.role} to ${step.replicas}`;
    case 'setWeight':
      return `set weight ${step.canary}%`;
    case 'setHeaderRoute':
      return `route requests with ${step.header} ${step.exact !== undefined ? `= ${JSON.stringify(step.exact)}` : `matching /${step.regex ?? ''}/`} to the new revision`;
    case 'setMirrorRoute':
      return step.percentage === 0 ? 'stop mirroring requests to the new revision' : `mirror ${step.percentage}% of requests to the new revision (answers discarded)`;
    case 'preview':
      return 'serve the new revision on the preview port';
    case 'pause':
      return step.durationMs === undefined ? 'pause until promoted' : `pause ${formatDuration(step.durationMs)}`;
    case 'promote':
      return 'promote';
    case 'retire':
      return step.afterMs === 0 ? 'retire old revision' : `retire old revision after ${formatDuration(step.afterMs)}`;
    case 'approval':
      return 'wait for approval';
    case 'restart':
      return 'restart the instances one at a time';
    case 'hook':
      return `run ${step.point} hooks`;
    case 'analysis': {
      const names = step.analysis.metrics.map((metric) => metric.name).join(', ');
      const when = step.kind === 'prePromotion' ? 'before the switch' : step.kind === 'postPromotion' ? 'after the switch' : 'now';
      return `analyse ${names} ${when}`;
    }
    default: {
      const unknown: never = step;
      return `unknown step ${JSON.stringify(unknown)}`;
    }
  }
}
