export { SimulatedPlatform, type SimulatedInstance } from './simulated-platform.ts';
export { outcomesOf, SimulatedVariable, DEFAULT_OUTCOMES, type SimulatedOutcomes } from './outcomes.ts';
