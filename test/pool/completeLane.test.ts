// Autocomplete's lane into the pool: it never holds back commands, and every completion is answered in time, with [] when it cannot be.
import { describe, expect, it } from 'vitest';
import type { Completion } from '../../src/command.js';
import { CompleteLane } from '../../src/pool/completeLane.js';
import { FakeClock } from '../support/core.js';
import { FakeTimers } from '../support/timers.js';

/** A completion the test finishes by hand, and how many were started. */
function jobs() {
  const open: Array<(c: Completion[]) => void> = [];
  let started = 0;
  return {
    job: (value: string) => () =>
      new Promise<Completion[]>((resolve) => {
        started += 1;
        open.push(() => resolve([{ name: value, value }]));
      }),
    finishNext: () => open.shift()?.([]),
    get started() {
      return started;
    },
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('autocomplete lane', () => {
  it('while commands wait for workers, a completion is answered [] at once and never reaches the pool', async () => {
    const timers = new FakeTimers(new FakeClock(new Date('2025-11-27T15:00:00Z')));
    const j = jobs();
    const lane = new CompleteLane(() => true, {}, timers);
    expect(await lane.submit(j.job('a'))).toEqual([]);
    expect(j.started).toBe(0);
  });

  it('runs one at a time; past the waiting room the oldest waiting is answered [] (the user typed on)', async () => {
    const timers = new FakeTimers(new FakeClock(new Date('2025-11-27T15:00:00Z')));
    const j = jobs();
    const lane = new CompleteLane(() => false, { maxRunning: 1, maxWaiting: 2, staleMs: 2_000 }, timers);
    const answers = ['a', 'b', 'c', 'd'].map((v) => lane.submit(j.job(v)));
    expect(j.started).toBe(1);
    // 'b' was the oldest waiting when 'd' came.
    expect(await answers[1]).toEqual([]);
    j.finishNext();
    await settle();
    expect(j.started).toBe(2);
    expect(lane.pending).toBe(2);
  });

  it('a completion not answered within staleMs is answered [] (Discord would drop it), and its late result is ignored', async () => {
    const timers = new FakeTimers(new FakeClock(new Date('2025-11-27T15:00:00Z')));
    const j = jobs();
    const lane = new CompleteLane(() => false, { maxRunning: 1, maxWaiting: 4, staleMs: 2_000 }, timers);
    const running = lane.submit(j.job('a'));
    const waiting = lane.submit(j.job('b'));
    timers.advance(2_000);
    expect(await running).toEqual([]);
    expect(await waiting).toEqual([]);
    j.finishNext();
    await settle();
    // The stale waiting one never ran; the lane is free for the next keystroke.
    expect(j.started).toBe(1);
    expect(lane.pending).toBe(0);
  });

  it('commands arriving while completions wait: the waiting ones are answered [] instead of taking a worker', async () => {
    const timers = new FakeTimers(new FakeClock(new Date('2025-11-27T15:00:00Z')));
    const j = jobs();
    let busy = false;
    const lane = new CompleteLane(() => busy, { maxRunning: 1, maxWaiting: 4, staleMs: 2_000 }, timers);
    const first = lane.submit(j.job('a'));
    const second = lane.submit(j.job('b'));
    busy = true;
    j.finishNext();
    expect(await first).toEqual([{ name: 'a', value: 'a' }]);
    expect(await second).toEqual([]);
    expect(j.started).toBe(1);
  });
});
