/** The narrated demo (`cutover demo`, `npm run demo`). */
export { runDemo } from './demo.ts';
export { runPipelineDemo } from './pipeline.ts';
