import { describe, expect, it } from 'vitest';
import { FairTurns } from './fair-turns.ts';

/** What the event loop ran, in order: an immediate scheduled before a turn stands for an API request waiting. */
function waitingRequest(log: string[]): void {
  setImmediate(() => log.push('request'));
}

describe('FairTurns', () => {
  it('goes on at once within a slice: a waiting request is not served between the turns', async () => {
    const turns = new FairTurns(60_000);
    await turns.turn(); // the first turn begins the slice
    const log: string[] = [];
    waitingRequest(log);
    for (let i = 0; i < 100; i++) {
      await turns.turn();
      log.push('engine');
    }
    expect(log.indexOf('request')).toBe(-1);
  });

  it('lets a waiting request be served before the next turn once the slice is spent', async () => {
    const turns = new FairTurns(0);
    const log: string[] = [];
    for (let i = 0; i < 3; i++) {
      waitingRequest(log);
      await turns.turn();
      log.push('engine');
    }
    expect(log).toEqual(['request', 'engine', 'request', 'engine', 'request', 'engine']);
  });

  it('gives the chains waiting together one turn: a chain that began to wait after a request came resumes with the others, before it', async () => {
    const turns = new FairTurns(0);
    const log: string[] = [];
    const chain = async (name: string) => {
      await turns.turn();
      log.push(name);
    };
    const a = chain('a');
    waitingRequest(log);
    const b = chain('b');
    await Promise.all([a, b]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['a', 'b', 'request']);
  });
});
