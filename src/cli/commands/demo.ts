import { runDemo } from '../../demo/demo.ts';

export async function demoCommand(options: { rate: number }): Promise<number> {
  return runDemo(options);
}
