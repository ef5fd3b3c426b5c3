import { describe, expect, it } from 'vitest';
import type { StatusView } from '../api/views.ts';
import { progressLine, terminalProgress, weightsText } from './progress.ts';

function statusOf(overrides: Partial<StatusView> = {}): StatusView {
  return {
    service: 'shop',
    environment: 'development',
    phase: 'Progressing',
    revision: 2,
    stableRevision: 1,
    version: '2.0.0',
    step: { index: 0, total: 4, current: 'set weight 20%' },
    weights: { '1': 80, '2': 20 },
    instances: [
      { id: 'a', revision: 1, pid: 1, port: 1, healthy: true, state: 'ready' },
      { id: 'b', revision: 2, pid: 2, port: 2, healthy: false, state: 'starting' },
      { id: 'c', revision: 2, pid: 3, port: 3, healthy: true, state: 'ready' },
    ],
    message: 'shifting traffic',
    analyses: [],
    router: null,
    deployment: { id: 5, kind: 'deploy', strategy: 'canary', author: 'admin', startedAt: '', updatedAt: '', finishedAt: null, supersedes: null, supersededBy: null },
    ...overrides,
  };
}

function sink(isTTY: boolean): { write(text: string): void; isTTY: boolean; columns: number; text: string } {
  return { isTTY, columns: 80, text: '', write(text) { this.text += text; } };
}

describe('weightsText', () => {
  it('lists revisions with their percent, or says none', () => {
    expect(weightsText({ '1': 80, '2': 20 })).toBe('r1=80% r2=20%');
    expect(weightsText({})).toBe('none');
  });
});

describe('progressLine', () => {
  it('says the phase, the step being run, the weights, healthy instances per revision and the message', () => {
    expect(progressLine(statusOf())).toBe('Progressing step 1/4 (set weight 20%) · weights r1=80% r2=20% · healthy r1 1/1 r2 1/2 · shifting traffic');
  });

  it('counts a finished deployment as at its last step, and one with no steps as such', () => {
    expect(progressLine(statusOf({ phase: 'Succeeded', step: { index: 4, total: 4, current: null }, instances: [] }))).toMatch(/^Succeeded {3}step 4\/4 · weights .* · healthy none · /);
    expect(progressLine(statusOf({ step: { index: 0, total: 0, current: null } }))).toContain('no steps');
  });
});

describe('terminalProgress', () => {
  it('prints one timestamped line per change when the output is not a terminal', () => {
    const out = sink(false);
    const progress = terminalProgress(out, sink(false));
    progress.onStatus(statusOf(), false);
    progress.onStatus(statusOf(), false);
    progress.onStatus(statusOf({ phase: 'Succeeded', deployment: { ...statusOf().deployment, finishedAt: 'now' } }), true);
    const lines = out.text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d Progressing /);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d Succeeded /);
  });

  it('rewrites one line in place on a terminal, starts a new one per step, cuts it to the width, and ends with a newline', () => {
    const out = sink(true);
    const progress = terminalProgress(out, sink(true), { NO_COLOR: '1' });
    progress.onStatus(statusOf(), false);
    progress.onStatus(statusOf({ message: 'still shifting' }), false);
    progress.onStatus(statusOf({ step: { index: 1, total: 4, current: 'pause 3s' } }), true);
    const writes = out.text.split('\r\x1b[2K');
    expect(writes).toHaveLength(4);
    expect(writes[1]!.endsWith('\n')).toBe(false); // same step: rewritten in place
    expect(writes[2]!.endsWith('\n')).toBe(true); // the next step starts on a new line
    expect(out.text.endsWith('\n')).toBe(true);
    expect(Math.max(...writes.map((w) => w.replace('\n', '').length))).toBeLessThanOrEqual(79);
  });

  it('colours the phase on a terminal, unless NO_COLOR; never off a terminal, even with FORCE_COLOR unset', () => {
    const coloured = sink(true);
    terminalProgress(coloured, sink(true), {}).onStatus(statusOf({ phase: 'RolledBack' }), true);
    expect(coloured.text).toContain('\x1b[31mRolledBack\x1b[0m');
    const plain = sink(true);
    terminalProgress(plain, sink(true), { NO_COLOR: '1' }).onStatus(statusOf({ phase: 'RolledBack' }), true);
    expect(plain.text.replaceAll('\r\x1b[2K', '')).not.toContain('\x1b[');
    const piped = sink(false);
    terminalProgress(piped, sink(false), {}).onStatus(statusOf({ phase: 'RolledBack' }), true);
    expect(piped.text).not.toContain('\x1b');
  });

  it('says on the error output when the server stops answering, and for how long it will wait', () => {
    const err = sink(false);
    terminalProgress(sink(false), err).onServerGone(60_000);
    expect(err.text).toMatch(/server does not answer; waiting up to 60s/);
  });
});
