// Weekly and monthly digests on fake timers and a fake clock: the period each covers across DST and year ends, once per period across restarts and processes, empty periods, fetching the period's days first.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Reply } from '../../src/reply.js';
import { digestPeriod } from '../../src/scheduler/periods.js';
import type { Freshener } from '../../src/scheduler/scheduler.js';
import { recordingLogger } from '../adapters/discord/harness.js';
import { days, harness, papersOn, RecordingAdapter, type Harness } from './support.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
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

async function runFor(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

const tmpFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sched-digest-')), 'paperboy.db');
const titleOf = (r: Reply) => (r.kind === 'papers' ? r.title : r.kind === 'text' ? r.lines.join('\n') : r.kind);

describe('digest periods', () => {
  it.each([
    ['2026-12-07', 'weekly', '2026-W49', '2026-11-30', '2026-12-06'],
    ['2026-12-09', 'weekly', '2026-W49', '2026-11-30', '2026-12-06'],
    ['2026-12-13', 'weekly', '2026-W49', '2026-11-30', '2026-12-06'],
    ['2027-01-04', 'weekly', '2026-W53', '2026-12-28', '2027-01-03'],
    ['2026-12-01', 'monthly', '2026-11', '2026-11-01', '2026-11-30'],
    ['2027-01-01', 'monthly', '2026-12', '2026-12-01', '2026-12-31'],
  ] as const)('a digest posted on %s (%s) covers %s', (runDate, cadence, label, from, to) => {
    expect(digestPeriod({ cadence }, runDate)).toMatchObject({ label, from, to });
  });
});

describe('scheduler: weekly digests', () => {
  it('posts Monday 09:00 in Europe/Berlin on both sides of the October DST change, each naming the week before', async () => {
    vi.setSystemTime(new Date('2026-10-15T12:00:00Z'));
    const h = track(await harness({ papers: papersOn(days('2026-10-05', 21)), scheduler: { pollMs: 6 * HOUR } }));
    await h.schedules.add({ platform: 'slack', channel: 'CBERLIN', hour: 9, minute: 0, zone: 'Europe/Berlin', top: 3, cadence: 'weekly', weekday: 1 });
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runFor(12 * DAY);
    // CEST (UTC+2) until 2026-10-25 03:00, then CET (UTC+1): Monday 09:00 moves from 07:00 to 08:00 UTC.
    expect(slack.posts.map((p) => p.at)).toEqual(['2026-10-19T07:00:00.000Z', '2026-10-26T08:00:00.000Z']);
    expect(slack.posts.map((p) => titleOf(p.reply))).toEqual([
      'Top papers of 2026-W42 · Oct 12 – Oct 18 · 21 papers',
      'Top papers of 2026-W43 · Oct 19 – Oct 25 · 21 papers',
    ]);
    const first = slack.posts[0]?.reply;
    expect(first?.kind).toBe('papers');
    if (first?.kind !== 'papers') return;
    // Top 3 by upvotes, and More pages on through the week's trending list.
    expect(first.cards.map((c) => c.upvotes)).toEqual([2, 2, 2]);
    expect(first.next).toEqual({ command: 'trending', input: { date: '2026-W42', limit: 3 }, offset: 3 });
    expect(first.visibility).toBe('public');
  });

  it('a week with no lists gets one honest line naming the week and the next digest', async () => {
    vi.setSystemTime(new Date('2026-10-09T12:00:00Z'));
    // Papers in W40 and W42 only: W41 (Oct 5 – Oct 11) is empty.
    const h = track(await harness({ papers: papersOn([...days('2026-09-28', 7), ...days('2026-10-12', 7)]), scheduler: { pollMs: 6 * HOUR } }));
    await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'UTC', top: 5, cadence: 'weekly', weekday: 1 });
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runFor(4 * DAY);
    expect(slack.posts.map((p) => titleOf(p.reply))).toEqual([
      'No daily lists for 2026-W41 (Oct 5 – Oct 11), so there is no digest of it; the next one is due Mon 2026-10-19 09:00 UTC.',
    ]);
  });

  it('after a restart in the middle of the week does not post again, and posts the next week once', async () => {
    const file = tmpFile();
    const papers = papersOn(days('2026-10-05', 21));
    vi.setSystemTime(new Date('2026-10-19T06:00:00Z'));
    const first = track(await harness({ papers, file, scheduler: { pollMs: 6 * HOUR } }));
    await first.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'UTC', top: 3, cadence: 'weekly', weekday: 1 });
    const before = new RecordingAdapter();
    first.scheduler.start([before]);
    await runFor(4 * HOUR);
    expect(before.posts.map((p) => p.at)).toEqual(['2026-10-19T09:00:00.000Z']);
    await first.scheduler.stop();
    first.close();
    open.splice(open.indexOf(first), 1);

    // Back within the catch-up window of the same day, then on through the week.
    const second = track(await harness({ papers, file, scheduler: { pollMs: 6 * HOUR } }));
    const after = new RecordingAdapter();
    second.scheduler.start([after]);
    await runFor(7 * DAY);
    expect(after.posts.map((p) => [p.at, titleOf(p.reply)])).toEqual([['2026-10-26T09:00:00.000Z', 'Top papers of 2026-W43 · Oct 19 – Oct 25 · 21 papers']]);
  });

  it('with two processes on one database file posts each week once', async () => {
    const file = tmpFile();
    const papers = papersOn(days('2026-10-05', 21));
    vi.setSystemTime(new Date('2026-10-18T12:00:00Z'));
    const a = track(await harness({ papers, file, scheduler: { owner: 'process-a', pollMs: 6 * HOUR } }));
    const b = track(await harness({ papers, file, scheduler: { owner: 'process-b', pollMs: 6 * HOUR } }));
    await a.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'UTC', top: 3, cadence: 'weekly', weekday: 1 });
    const slackA = new RecordingAdapter();
    const slackB = new RecordingAdapter();
    a.scheduler.start([slackA]);
    b.scheduler.start([slackB]);
    await runFor(9 * DAY);
    const all = [...slackA.posts, ...slackB.posts].map((p) => [p.at, titleOf(p.reply).slice(0, 23)]).sort();
    expect(all).toEqual([
      ['2026-10-19T09:00:00.000Z', 'Top papers of 2026-W42 '],
      ['2026-10-26T09:00:00.000Z', 'Top papers of 2026-W43 '],
    ]);
  });

  it('fetches every day of the week before posting, and a failing fetch still lets the digest go out with what is stored', async () => {
    vi.setSystemTime(new Date('2026-10-18T12:00:00Z'));
    const asked: string[] = [];
    const freshener: Freshener = {
      ensureFresh: async (date) => {
        asked.push(date);
        if (date === '2026-10-16') throw new Error('Hugging Face answered 503');
      },
    };
    const logger = recordingLogger();
    const h = track(await harness({ papers: papersOn(days('2026-10-05', 21)), logger, scheduler: { pollMs: 6 * HOUR, freshener } }));
    await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'UTC', top: 3, cadence: 'weekly', weekday: 1 });
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runFor(DAY);
    // Oldest first; the failure on Friday stops the fetching (the source is likely down).
    expect(asked).toEqual(['2026-10-12', '2026-10-13', '2026-10-14', '2026-10-15', '2026-10-16']);
    expect(slack.posts.map((p) => titleOf(p.reply))).toEqual(['Top papers of 2026-W42 · Oct 12 – Oct 18 · 21 papers']);
    expect(logger.entries.some((e) => e.level === 'warn' && /could not fetch a daily list of the period/.test(e.msg ?? ''))).toBe(true);
  });
});

describe('scheduler: monthly digests', () => {
  it('posts on the 1st across a month boundary and the year boundary, each naming the month before', async () => {
    vi.setSystemTime(new Date('2026-11-20T12:00:00Z'));
    const h = track(await harness({ papers: papersOn([...days('2026-11-03', 4), ...days('2026-12-29', 3)]), scheduler: { pollMs: 6 * HOUR } }));
    await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'UTC', top: 5, cadence: 'monthly' });
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runFor(43 * DAY);
    expect(slack.posts.map((p) => [p.at, titleOf(p.reply)])).toEqual([
      ['2026-12-01T09:00:00.000Z', 'Top papers of November 2026 · 2026-11 · 12 papers'],
      ['2027-01-01T09:00:00.000Z', 'Top papers of December 2026 · 2026-12 · 9 papers'],
    ]);
  });
});
