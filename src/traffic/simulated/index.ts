export { SimulatedTrafficRouter, type SimulatedTrafficOptions } from './simulated-router.ts';
