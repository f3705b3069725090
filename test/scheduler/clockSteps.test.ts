// The trending scheduler when the wall clock steps (NTP, a resumed VM, `date -s`): fake timers keep real intervals while the fake clock jumps.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { paperRun } from '../fakes/papers.js';
import { recordingLogger } from '../adapters/discord/harness.js';
import { ClockSteps, SETTLE_MS } from '../../src/clockSteps.js';
import { harness, RecordingAdapter, type Harness } from './support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const open: Harness[] = [];
const track = (h: Harness) => (open.push(h), h);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  for (const h of open.splice(0)) {
    void h.scheduler.stop();
    h.close();
  }
  vi.useRealTimers();
});

/** Runs the scheduler's own timers for `ms` (the wall clock moves with them). */
async function runFor(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

/** Steps the wall clock by `ms` without time passing (timers keep their real intervals), as NTP or `date -s` does. */
function step(ms: number): void {
  vi.setSystemTime(new Date(Date.now() + ms));
}

/** Three papers dated `date`, with ids of their own. */
const day = (date: string, ids: string) => paperRun(`list of ${date}`, 3, { ids, date: () => date });

/** Runs the scheduler until the wall clock reads `iso`. */
async function runUntil(iso: string): Promise<void> {
  await runFor(Date.parse(iso) - Date.now());
}

describe('scheduler: a clock that steps', () => {
  it("a +24 h step for 100 s posts nothing for tomorrow's slot, and tomorrow's list is posted tomorrow at its time", async () => {
    // 18:00 New York is 23:00 UTC in November.
    vi.setSystemTime(new Date('2025-11-27T22:00:00Z'));
    const logger = recordingLogger();
    const h = track(await harness({ papers: day('2025-11-27', '2591'), logger }));
    const s = await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 18, minute: 0, zone: 'America/New_York', top: 3 });
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runUntil('2025-11-28T00:00:00Z'); // 19:00 on the 27th in New York: today's list is out
    expect(slack.posts.map((p) => p.summary)).toEqual(['Trending on 2025-11-27: 3 of 3']);

    step(24 * HOUR);
    await runFor(100_000);
    step(-24 * HOUR);
    expect(slack.posts).toHaveLength(1);
    expect(await h.schedules.slot(s.id, '2025-11-28')).toBeUndefined();
    expect(logger.entries.some((e) => e.level === 'warn' && /wall clock stepped/.test(e.msg ?? ''))).toBe(true);

    await runUntil('2025-11-28T17:00:00Z');
    await h.app.library.ingest(day('2025-11-28', '2592'));
    await runUntil('2025-11-29T00:00:00Z');
    expect(slack.posts.map((p) => [p.summary, p.at])).toEqual([
      ['Trending on 2025-11-27: 3 of 3', '2025-11-27T23:00:00.000Z'],
      ['Trending on 2025-11-28: 3 of 3', '2025-11-28T23:00:00.000Z'],
    ]);
  });

  it('a list posted under a clock a day ahead is not posted again, and does not stand in for the real day’s list', async () => {
    vi.setSystemTime(new Date('2025-11-27T22:00:00Z'));
    const h = track(await harness({ papers: day('2025-11-26', '2591') }));
    await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 18, minute: 0, zone: 'America/New_York', top: 3 });
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runUntil('2025-11-27T23:30:00Z'); // the 27th's slot posted the 26th's list; the 27th's arrives late
    await h.app.library.ingest(day('2025-11-27', '2592'));
    await runUntil('2025-11-28T00:00:00Z');

    // A day ahead for long enough to be believed: the slot of the 28th posts the 27th's list (new to the channel).
    step(24 * HOUR);
    await runFor(30 * MINUTE);
    step(-24 * HOUR);
    expect(slack.posts.map((p) => p.summary)).toEqual(['Trending on 2025-11-26: 3 of 3', 'Trending on 2025-11-27: 3 of 3']);

    await runUntil('2025-11-28T17:00:00Z');
    await h.app.library.ingest(day('2025-11-28', '2593'));
    await runUntil('2025-11-30T00:00:00Z');
    // The real 28th gets its own list; the 29th has nothing new. No list twice.
    expect(slack.posts.map((p) => p.summary)).toEqual([
      'Trending on 2025-11-26: 3 of 3',
      'Trending on 2025-11-27: 3 of 3',
      'Trending on 2025-11-28: 3 of 3',
      'No new papers since the 2025-11-28 list; the next post is due Sun 2025-11-30 18:00 America/New_York.',
    ]);
    expect(slack.posts[2]?.at).toBe('2025-11-28T23:00:00.000Z');
  });

  it('a "nothing new" line posted under a clock a day ahead does not take the real day’s slot', async () => {
    vi.setSystemTime(new Date('2025-11-27T22:00:00Z'));
    const h = track(await harness({ papers: day('2025-11-27', '2591') }));
    const s = await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 18, minute: 0, zone: 'America/New_York', top: 3 });
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runUntil('2025-11-28T00:00:00Z');
    step(24 * HOUR);
    await runFor(30 * MINUTE);
    step(-24 * HOUR);
    expect(slack.posts.map(RecordingAdapter.text)).toEqual([
      'Trending on 2025-11-27: 3 of 3',
      'No new papers since the 2025-11-27 list; the next post is due Sat 2025-11-29 18:00 America/New_York.',
    ]);
    await runUntil('2025-11-28T17:00:00Z');
    await h.app.library.ingest(day('2025-11-28', '2592'));
    await runUntil('2025-11-29T00:00:00Z');
    expect(slack.posts.map((p) => p.summary).slice(2)).toEqual(['Trending on 2025-11-28: 3 of 3']);
    expect(await h.schedules.slot(s.id, '2025-11-28')).toMatchObject({ state: 'posted', listDate: '2025-11-28' });
  });

  it('a process started with its clock a day ahead: after a restart with the right clock, the real day posts its own list', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'steps-')), 'paperboy.db');
    vi.setSystemTime(new Date('2025-11-28T00:00:00Z'));
    const first = track(await harness({ papers: day('2025-11-27', '2591'), file }));
    await first.schedules.add({ platform: 'slack', channel: 'C1', hour: 18, minute: 0, zone: 'America/New_York', top: 3 });
    const slack = new RecordingAdapter();
    vi.setSystemTime(new Date('2025-11-29T00:00:00Z')); // started a day ahead: 19:00 on the 28th by its clock
    first.scheduler.start([slack]);
    await runFor(MINUTE);
    expect(slack.posts.map((p) => p.summary)).toEqual(['Trending on 2025-11-27: 3 of 3']);
    await first.scheduler.stop();
    first.close();
    open.splice(open.indexOf(first), 1);

    vi.setSystemTime(new Date('2025-11-28T00:10:00Z'));
    const second = track(await harness({ papers: [], file }));
    await second.app.library.ingest(day('2025-11-28', '2592'));
    second.scheduler.start([slack]);
    await runUntil('2025-11-29T00:00:00Z');
    expect(slack.posts.map((p) => [p.summary, p.at])).toEqual([
      ['Trending on 2025-11-27: 3 of 3', '2025-11-29T00:00:00.000Z'],
      ['Trending on 2025-11-28: 3 of 3', '2025-11-28T23:00:00.000Z'],
    ]);
  });

  it('a post that failed after attempts under a clock ahead keeps its slot: an attempt may have landed, so the next post there looks first', async () => {
    vi.setSystemTime(new Date('2025-11-29T00:00:00Z')); // a day ahead: 19:00 on the 28th in New York
    const h = track(await harness({ papers: day('2025-11-27', '2591') }));
    const s = await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 18, minute: 0, zone: 'America/New_York', top: 3 });
    expect(await h.schedules.claim(s.id, '2025-11-28', '2025-11-27', 'p1', HOUR)).toMatchObject({ kind: 'claimed' });
    await h.schedules.attempt(s.id, '2025-11-28', 'p1', HOUR);
    await h.schedules.failed(s.id, '2025-11-28', 'p1', 1, 'transient', 'no answer within 15 s');
    vi.setSystemTime(new Date('2025-11-28T00:10:00Z'));
    expect(await h.schedules.reopenAhead(s.id, '2025-11-26', new Date(Date.now() + 2 * MINUTE))).toBe(0);
    expect(await h.schedules.slot(s.id, '2025-11-28')).toMatchObject({ state: 'failed', attempts: 1 });
  });

  it('a step back after a post posts nothing again, for that day or the one it steps into', async () => {
    vi.setSystemTime(new Date('2025-11-26T22:00:00Z'));
    const h = track(await harness({ papers: [...day('2025-11-26', '2590'), ...day('2025-11-27', '2591')] }));
    await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 18, minute: 0, zone: 'America/New_York', top: 3 });
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runUntil('2025-11-28T00:00:00Z');
    expect(slack.posts).toHaveLength(2);
    step(-24 * HOUR);
    await runFor(30 * MINUTE);
    step(24 * HOUR);
    await runUntil('2025-11-28T22:00:00Z');
    expect(slack.posts.map((p) => p.summary)).toEqual(['Trending on 2025-11-26: 3 of 3', 'Trending on 2025-11-27: 3 of 3']);
  });

  it('a run is posted only on its own local day: a catch-up that would cross midnight is skipped', async () => {
    vi.setSystemTime(new Date('2025-11-27T12:00:00Z'));
    const h = track(await harness({ papers: day('2025-11-27', '2591'), scheduler: { catchupMs: 6 * HOUR } }));
    const s = await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 23, minute: 0, zone: 'America/New_York', top: 3 });
    // Down from before 23:00 until 01:00 the next day in New York: two hours late, but another day.
    vi.setSystemTime(new Date('2025-11-28T06:00:00Z'));
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runFor(MINUTE);
    expect(slack.posts).toHaveLength(0);
    expect(await h.schedules.slot(s.id, '2025-11-27')).toMatchObject({ state: 'skipped' });
  });
});

describe('ClockSteps', () => {
  it('a timer a minute late by the wall clock (a busy machine) is no step; a day is, and is believed after 15 steady minutes', () => {
    const steps = new ClockSteps();
    expect(steps.observe(0, 60_000, 120_000)).toBeNull();
    expect(steps.settled).toBe(true);
    expect(steps.observe(120_000, 60_000, 180_000 + 24 * HOUR)).toBe(24 * HOUR);
    expect(steps.settled).toBe(false);
    let at = 180_000 + 24 * HOUR;
    for (let i = 0; i < SETTLE_MS / MINUTE - 1; i += 1, at += MINUTE) expect(steps.observe(at, MINUTE, at + MINUTE)).toBeNull();
    expect(steps.settled).toBe(false);
    expect(steps.observe(at, MINUTE, at + MINUTE)).toBeNull();
    expect(steps.settled).toBe(true);
  });
});
