// The trending scheduler on fake timers and a fake clock: local times across DST, restarts, two processes, catch-up, retries and refused channels.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeliveryError } from '../../src/errors.js';
import { DEFAULT_RETRY, Scheduler } from '../../src/scheduler/scheduler.js';
import { recordingLogger } from '../adapters/discord/harness.js';
import { days, harness, papersOn, RecordingAdapter, systemTime, type Harness } from './support.js';

const HOUR = 3_600_000;
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

/** Runs the scheduler's own timers for `ms` of fake time. */
async function runFor(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

describe('scheduler: local times', () => {
  it('posts at 09:00 local time in New York and Tokyo on both sides of the US daylight-saving change', async () => {
    vi.setSystemTime(new Date('2025-10-30T14:00:00Z'));
    const h = track(await harness({ papers: papersOn(days('2025-10-29', 8)), scheduler: { pollMs: 6 * HOUR } }));
    const ny = await h.schedules.add({ platform: 'slack', channel: 'CNY', hour: 9, minute: 0, zone: 'America/New_York', top: 2 });
    const tokyo = await h.schedules.add({ platform: 'slack', channel: 'CTOKYO', hour: 9, minute: 0, zone: 'Asia/Tokyo', top: 2 });
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runFor(5 * 24 * HOUR + HOUR);
    const at = (channel: string) => slack.posts.filter((p) => p.target.channel === channel).map((p) => p.at);
    // EDT (UTC-4) until 2025-11-02 02:00, then EST (UTC-5): 09:00 local moves from 13:00 to 14:00 UTC.
    expect(at('CNY')).toEqual([
      '2025-10-31T13:00:00.000Z',
      '2025-11-01T13:00:00.000Z',
      '2025-11-02T14:00:00.000Z',
      '2025-11-03T14:00:00.000Z',
      '2025-11-04T14:00:00.000Z',
    ]);
    // Tokyo keeps no daylight saving: always 00:00 UTC.
    expect(at('CTOKYO')).toEqual([
      '2025-10-31T00:00:00.000Z',
      '2025-11-01T00:00:00.000Z',
      '2025-11-02T00:00:00.000Z',
      '2025-11-03T00:00:00.000Z',
      '2025-11-04T00:00:00.000Z',
    ]);
    // Each post names the newest list: New York's own day; Tokyo's morning is the previous New York day.
    expect(slack.posts.filter((p) => p.target.channel === 'CNY').map((p) => p.summary)[0]).toBe('Trending on 2025-10-31: 2 of 3');
    expect(slack.posts.filter((p) => p.target.channel === 'CTOKYO').map((p) => p.summary)[0]).toBe('Trending on 2025-10-30: 2 of 3');
    expect((await h.schedules.history(ny.id)).every((r) => r.state === 'posted')).toBe(true);
    expect(await h.schedules.history(tokyo.id)).toHaveLength(5);
  });

  it('posts the top N by upvotes with a header naming the list date', async () => {
    vi.setSystemTime(new Date('2025-10-31T12:59:00Z'));
    const h = track(await harness({ papers: papersOn(days('2025-10-31', 1)) }));
    await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'America/New_York', top: 2 });
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runFor(2 * 60_000);
    const reply = slack.posts[0]?.reply;
    expect(reply?.kind).toBe('papers');
    if (reply?.kind !== 'papers') return;
    expect(reply.title).toBe('Trending on 2025-10-31');
    expect(reply.cards.map((c) => c.upvotes)).toEqual([2, 1]);
    expect(reply.visibility).toBe('public');
  });
});

describe('scheduler: exactly once', () => {
  it('after a restart in the middle of the day does not repost, and the subscription still due posts', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sched-')), 'paperboy.db');
    const papers = papersOn(days('2025-11-03', 2));
    vi.setSystemTime(new Date('2025-11-03T12:00:00Z'));
    const first = track(await harness({ papers, file }));
    await first.schedules.add({ platform: 'slack', channel: 'CMORNING', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    await first.schedules.add({ platform: 'slack', channel: 'CAFTERNOON', hour: 15, minute: 0, zone: 'America/New_York', top: 3 });
    const before = new RecordingAdapter();
    first.scheduler.start([before]);
    await runFor(3 * HOUR); // 15:00Z = 10:00 New York: the morning post is out
    expect(before.posts.map((p) => p.target.channel)).toEqual(['CMORNING']);
    await first.scheduler.stop();
    first.close();
    open.splice(open.indexOf(first), 1);

    const second = track(await harness({ papers, file }));
    const after = new RecordingAdapter();
    second.scheduler.start([after]);
    await runFor(6 * HOUR); // through 15:00 New York
    expect(after.posts.map((p) => [p.target.channel, p.at])).toEqual([['CAFTERNOON', '2025-11-03T20:00:00.000Z']]);
  });

  it('with two processes on one database file posts each slot once', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sched-')), 'paperboy.db');
    const papers = papersOn(days('2025-11-03', 3));
    vi.setSystemTime(new Date('2025-11-03T13:00:00Z'));
    // NOTE: an hour between looks (not a minute): each look is a few statements on the shared file, and the slots fall on the hour.
    const a = track(await harness({ papers, file, scheduler: { owner: 'process-a', pollMs: HOUR } }));
    const b = track(await harness({ papers, file, scheduler: { owner: 'process-b', pollMs: HOUR } }));
    await a.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    const slackA = new RecordingAdapter();
    const slackB = new RecordingAdapter();
    a.scheduler.start([slackA]);
    b.scheduler.start([slackB]);
    await runFor(2 * 24 * HOUR + HOUR);
    const all = [...slackA.posts, ...slackB.posts].map((p) => p.at).sort();
    expect(all).toEqual(['2025-11-03T14:00:00.000Z', '2025-11-04T14:00:00.000Z', '2025-11-05T14:00:00.000Z']);
  });

  it('takes over a claim whose process died once its lease has expired', async () => {
    vi.setSystemTime(new Date('2025-11-03T14:00:00Z'));
    const h = track(await harness({ papers: papersOn(days('2025-11-03', 1)), scheduler: { leaseMs: 10 * 60000 } }));
    const s = await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    vi.setSystemTime(new Date('2025-11-03T14:00:30Z'));
    expect((await h.schedules.claim(s.id, '2025-11-03', '2025-11-03', 'dead-process', 10 * 60_000)).kind).toBe('claimed');
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runFor(5 * 60_000);
    expect(slack.posts).toHaveLength(0);
    await runFor(10 * 60_000);
    expect(slack.posts.map((p) => p.summary)).toEqual(['Trending on 2025-11-03: 3 of 3']);
    expect((await h.schedules.slot(s.id, '2025-11-03'))?.state).toBe('posted');
  });
});

describe('scheduler: nothing new, catch-up, failures', () => {
  it('on a weekend posts one honest line saying since when nothing is new and when the next post is due', async () => {
    // 2025-11-07 is a Friday; the corpus has no weekend lists.
    vi.setSystemTime(new Date('2025-11-07T12:00:00Z'));
    const h = track(await harness({ papers: papersOn(['2025-11-06', '2025-11-07']), scheduler: { pollMs: 6 * HOUR } }));
    await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runFor(2 * 24 * HOUR + 3 * HOUR);
    expect(slack.posts.map(RecordingAdapter.text)).toEqual([
      'Trending on 2025-11-07: 3 of 3',
      'No new papers since the 2025-11-07 list; the next post is due Sun 2025-11-09 09:00 America/New_York.',
      'No new papers since the 2025-11-07 list; the next post is due Mon 2025-11-10 09:00 America/New_York.',
    ]);
  });

  it('catches up a post missed while down when it is inside the grace window', async () => {
    vi.setSystemTime(new Date('2025-11-02T12:00:00Z'));
    const h = track(await harness({ papers: papersOn(['2025-11-03']), scheduler: { catchupMs: 6 * HOUR } }));
    await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    vi.setSystemTime(new Date('2025-11-03T18:30:00Z')); // 13:30 New York: 4.5 h late
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runFor(1_000);
    expect(slack.posts.map((p) => [p.summary, p.at])).toEqual([['Trending on 2025-11-03: 3 of 3', '2025-11-03T18:30:00.000Z']]);
  });

  it('skips and logs a post missed by more than the grace window', async () => {
    vi.setSystemTime(new Date('2025-11-02T12:00:00Z'));
    const logger = recordingLogger();
    const h = track(await harness({ papers: papersOn(['2025-11-03']), logger, scheduler: { catchupMs: 6 * HOUR } }));
    const s = await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    vi.setSystemTime(new Date('2025-11-03T21:00:00Z')); // 16:00 New York: 7 h late
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runFor(60_000);
    expect(slack.posts).toHaveLength(0);
    expect((await h.schedules.slot(s.id, '2025-11-03'))?.state).toBe('skipped');
    expect(logger.entries.some((e) => e.level === 'warn' && /outside the catch-up window/.test(e.msg ?? ''))).toBe(true);
    // The next morning posts as usual, with the list it missed.
    await runFor(18 * HOUR);
    expect(slack.posts.map((p) => p.summary)).toEqual(['Trending on 2025-11-03: 3 of 3']);
  });

  it('with no catch-up window still posts a run it finds half a minute late (a busy machine)', async () => {
    vi.setSystemTime(new Date('2025-11-03T13:30:00Z'));
    const h = track(await harness({ papers: papersOn(['2025-11-03']), scheduler: { catchupMs: 0 } }));
    await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    vi.setSystemTime(new Date('2025-11-03T14:00:30Z'));
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runFor(1_000);
    expect(slack.posts.map((p) => p.at)).toEqual(['2025-11-03T14:00:30.000Z']);
  });

  it('retries a failed post with backoff, then records it failed and not done', async () => {
    vi.setSystemTime(new Date('2025-11-03T13:59:00Z'));
    const h = track(await harness({ papers: papersOn(['2025-11-03']), scheduler: { retry: { retries: 2, minTimeout: 1000, factor: 2 } } }));
    const s = await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    const slack = new RecordingAdapter();
    slack.fail = [1, 2, 3].map(() => new DeliveryError('transient', 'Slack answered HTTP 500'));
    h.scheduler.start([slack]);
    await runFor(60_000 + 10_000);
    // Three attempts: at once, 1 s later, 2 s after that.
    expect(slack.attempts).toEqual(['2025-11-03T14:00:00.000Z', '2025-11-03T14:00:01.000Z', '2025-11-03T14:00:03.000Z']);
    expect(slack.posts).toHaveLength(0);
    const row = await h.schedules.slot(s.id, '2025-11-03');
    expect(row).toMatchObject({ state: 'failed', failure: 'transient', attempts: 3 });
    expect(await h.schedules.lastPostedList(s.id)).toBeNull();
    // Not done: the next run posts the list that failed.
    await runFor(24 * HOUR);
    expect(slack.posts.map((p) => p.summary)).toEqual(['Trending on 2025-11-03: 3 of 3']);
  });

  it('a post that succeeds on a retry is marked posted once', async () => {
    vi.setSystemTime(new Date('2025-11-03T13:59:00Z'));
    const h = track(await harness({ papers: papersOn(['2025-11-03']) }));
    const s = await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    const slack = new RecordingAdapter();
    slack.fail = [new DeliveryError('transient', 'timed out')];
    h.scheduler.start([slack]);
    await runFor(2 * 60_000);
    expect(slack.posts).toHaveLength(1);
    expect(await h.schedules.slot(s.id, '2025-11-03')).toMatchObject({ state: 'posted', attempts: 2 });
  });

  it('records a channel the bot cannot post in as failed without retrying, and logs it with the channel', async () => {
    vi.setSystemTime(new Date('2025-11-03T13:59:00Z'));
    const logger = recordingLogger();
    const h = track(await harness({ papers: papersOn(['2025-11-03']), logger }));
    const s = await h.schedules.add({ platform: 'slack', channel: 'CLOCKED', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    const slack = new RecordingAdapter();
    slack.refuse.set('CLOCKED', new DeliveryError('no-access', 'Slack refused the post in CLOCKED: not_in_channel', 'not_in_channel'));
    h.scheduler.start([slack]);
    await runFor(2 * 60_000);
    expect(slack.attempts).toHaveLength(1);
    expect(await h.schedules.slot(s.id, '2025-11-03')).toMatchObject({ state: 'failed', failure: 'no-access' });
    const line = logger.entries.find((e) => e.level === 'error');
    expect(line?.obj).toMatchObject({ channel: 'CLOCKED', failure: 'no-access', code: 'not_in_channel' });
  });

  it('stopping while a post waits to retry gives the slot back as attempted, so the next start looks for that attempt, then posts', async () => {
    vi.setSystemTime(new Date('2025-11-03T13:59:00Z'));
    const h = track(await harness({ papers: papersOn(['2025-11-03']), scheduler: { retry: { retries: 3, minTimeout: 60000, factor: 1 } } }));
    const s = await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    const slack = new RecordingAdapter();
    slack.fail = [new DeliveryError('transient', 'Slack answered HTTP 500')];
    h.scheduler.start([slack]);
    await runFor(61_000);
    expect(slack.attempts).toHaveLength(1);
    await h.scheduler.stop();
    expect(await h.schedules.slot(s.id, '2025-11-03')).toMatchObject({ state: 'claimed', attempts: 1, leaseUntil: 0 });
    const again = new Scheduler({ store: h.schedules, library: h.app.library, clock: systemTime, timeZone: 'America/New_York', logger: recordingLogger() });
    again.start([slack]);
    await runFor(1_000);
    await again.stop();
    expect(slack.posts.map((p) => p.summary)).toEqual(['Trending on 2025-11-03: 3 of 3']);
    expect(slack.sends.at(-1)).toEqual({ key: `post:${s.id}:2025-11-03`, landedSince: new Date('2025-11-03T14:00:00Z'), signal: expect.any(AbortSignal) });
  });

  it("a channel whose post hangs holds up no other channel's post; the hung attempt ends at its deadline and the retry looks first", async () => {
    vi.setSystemTime(new Date('2025-11-03T13:58:00Z'));
    const h = track(await harness({ papers: papersOn(['2025-11-03']), scheduler: { retry: { retries: 1, minTimeout: 1000, factor: 1 } } }));
    const hung = await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    vi.setSystemTime(new Date('2025-11-03T13:59:00Z'));
    const other = await h.schedules.add({ platform: 'slack', channel: 'C2', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    const slack = new RecordingAdapter();
    slack.hang.add('C1');
    h.scheduler.start([slack]);
    await runFor(61_000);
    expect(slack.posts.map((p) => p.target.channel)).toEqual(['C2']);
    expect(await h.schedules.slot(other.id, '2025-11-03')).toMatchObject({ state: 'posted' });
    expect(await h.schedules.slot(hung.id, '2025-11-03')).toMatchObject({ state: 'claimed', attempts: 1 });
    await runFor(60_000);
    expect(await h.schedules.slot(hung.id, '2025-11-03')).toMatchObject({ state: 'failed', failure: 'transient', attempts: 2 });
    expect((await h.schedules.slot(hung.id, '2025-11-03'))?.detail).toMatch(/no answer within 15 s/);
    const toHung = slack.sends.filter((x) => x?.key === `post:${hung.id}:2025-11-03`);
    expect(toHung.map((x) => x?.landedSince !== undefined)).toEqual([false, true]);
  });

  it('a channel whose post hangs through all its retries holds up no channel due later: the 09:01 post goes out at 09:01', async () => {
    vi.setSystemTime(new Date('2025-11-03T13:58:00Z'));
    // The production retry policy: a hung channel takes minutes (four 15 s deadlines and 5 s, 20 s, 80 s waits) to fail.
    const h = track(await harness({ papers: papersOn(['2025-11-03']), scheduler: { retry: DEFAULT_RETRY } }));
    await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    await h.schedules.add({ platform: 'slack', channel: 'C2', hour: 9, minute: 1, zone: 'America/New_York', top: 3 });
    const slack = new RecordingAdapter();
    slack.hang.add('C1');
    h.scheduler.start([slack]);
    await runFor(10 * 60_000);
    const c2 = slack.posts.filter((p) => p.target.channel === 'C2').map((p) => p.at);
    expect(c2).toEqual(['2025-11-03T14:01:00.000Z']);
  });

  it('a post due at 23:59 while another channel hangs is posted, not skipped as a day that is over', async () => {
    vi.setSystemTime(new Date('2025-11-04T04:56:00Z'));
    const h = track(await harness({ papers: papersOn(['2025-11-03']), scheduler: { retry: DEFAULT_RETRY } }));
    await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 23, minute: 58, zone: 'America/New_York', top: 3 });
    const late = await h.schedules.add({ platform: 'slack', channel: 'C2', hour: 23, minute: 59, zone: 'America/New_York', top: 3 });
    const slack = new RecordingAdapter();
    slack.hang.add('C1');
    h.scheduler.start([slack]);
    await runFor(10 * 60_000);
    expect(slack.posts.filter((p) => p.target.channel === 'C2')).toHaveLength(1);
    expect(await h.schedules.slot(late.id, '2025-11-03')).toMatchObject({ state: 'posted' });
  });

  it('a post that waits for a send slot past midnight is still posted for its day (the tick saw it on time)', async () => {
    vi.setSystemTime(new Date('2025-11-04T04:58:00Z'));
    // One send at a time: the 23:59 post waits behind a channel that hangs for two 15 s deadlines and a 40 s pause.
    const h = track(await harness({ papers: papersOn(['2025-11-03']), scheduler: { concurrency: 1, retry: { retries: 1, minTimeout: 40000, factor: 1 } } }));
    await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 23, minute: 59, zone: 'America/New_York', top: 3 });
    vi.setSystemTime(new Date('2025-11-04T04:58:30Z'));
    const waiting = await h.schedules.add({ platform: 'slack', channel: 'C2', hour: 23, minute: 59, zone: 'America/New_York', top: 3 });
    vi.setSystemTime(new Date('2025-11-04T04:58:00Z'));
    const slack = new RecordingAdapter();
    slack.hang.add('C1');
    h.scheduler.start([slack]);
    await runFor(5 * 60_000);
    const c2 = slack.posts.filter((p) => p.target.channel === 'C2');
    expect(c2).toHaveLength(1);
    expect(c2[0]?.at.slice(0, 10)).toBe('2025-11-04');
    expect(await h.schedules.slot(waiting.id, '2025-11-03')).toMatchObject({ state: 'posted' });
  });

  it('asks the freshener for the day before posting and posts anyway when it fails', async () => {
    vi.setSystemTime(new Date('2025-11-03T13:59:00Z'));
    const asked: Array<[string, number]> = [];
    const freshener = {
      ensureFresh: async (date: string, maxAgeMs: number) => {
        asked.push([date, maxAgeMs]);
        throw new Error('Hugging Face is down');
      },
    };
    const h = track(await harness({ papers: papersOn(['2025-11-03']), scheduler: { freshener } }));
    await h.schedules.add({ platform: 'slack', channel: 'C1', hour: 9, minute: 0, zone: 'America/New_York', top: 3 });
    const slack = new RecordingAdapter();
    h.scheduler.start([slack]);
    await runFor(2 * 60_000);
    expect(asked).toEqual([['2025-11-03', 15 * 60_000]]);
    expect(slack.posts).toHaveLength(1);
  });

  it('picks up a subscription another process adds, at the next poll', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sched-')), 'paperboy.db');
    vi.setSystemTime(new Date('2025-11-03T13:00:00Z'));
    const papers = papersOn(['2025-11-03']);
    const serving = track(await harness({ papers, file }));
    const other = track(await harness({ papers, file }));
    const slack = new RecordingAdapter();
    serving.scheduler.start([slack]);
    await runFor(5 * 60_000);
    await other.schedules.add({ platform: 'slack', channel: 'CNEW', hour: 8, minute: 10, zone: 'America/New_York', top: 1 });
    await runFor(60 * 60_000);
    expect(slack.posts.map((p) => [p.target.channel, p.at])).toEqual([['CNEW', '2025-11-03T13:10:00.000Z']]);
  });
});
