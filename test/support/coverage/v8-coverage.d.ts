// @bcoe/v8-coverage ships no types; this is the part the coverage merge uses.
declare module '@bcoe/v8-coverage' {
  import type { Profiler } from 'node:inspector';

  export interface ProcessCov {
    result: Profiler.ScriptCoverage[];
  }

  /** Merges the coverage of several processes, script by script (the inputs may be mutated). */
  export function mergeProcessCovs(processCovs: ProcessCov[]): ProcessCov;
}
