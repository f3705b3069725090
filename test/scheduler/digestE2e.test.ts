// End to end, as the outside check does it: a weekly digest subscribed through the real Bolt client on the fake Slack, its week fetched from the fake Hugging Face, posted once at its slot and not again after a restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { createApp, type App } from '../../src/app.js';
import { LiveIngest } from '../../src/ingest/live.js';
import { silentLogger } from '../../src/logger.js';
import { HfClient } from '../../src/papers/hf.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { ScheduleStore } from '../../src/scheduler/store.js';
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { FakeHf, fakeSleep, recordedList, recordedMixed } from '../fakes/hf.js';
import { buttons, CHANNEL, SlackDriver } from '../adapters/slack/support.js';
import { FakeClock } from '../support/core.js';
import { FakeTimers } from '../support/timers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// Thursday 2026-06-18, 14:00:20 UTC: last week is 2026-W24, Monday 8 June to Sunday 14 June.
const TODAY = '2026-06-18';
const LAST_WEEK = ['2026-06-08', '2026-06-09', '2026-06-10', '2026-06-11', '2026-06-12', '2026-06-13', '2026-06-14'];

/** One `serve` process: the core on the database file, the Slack adapter on the fake Slack, the live ingest and the scheduler on the fake clock. */
async function serveProcess(file: string, hf: FakeHf, clock: FakeClock): Promise<{ driver: SlackDriver; scheduler: Scheduler; stop(): Promise<void> }> {
  const app: App = await createApp({
    config: { dataDir: path.dirname(file), timeZone: 'America/New_York' },
    logger: silentLogger,
    clock,
    commands,
    database: await openDatabase({ file, now: () => clock.now(), features: FEATURES }),
  });
  const driver = await SlackDriver.start('socket', { core: app });
  const live = new LiveIngest({
    library: app.library,
    lists: app.dailyLists as NonNullable<App['dailyLists']>,
    client: new HfClient({ apiUrl: hf.apiUrl, timeoutMs: 5_000, retries: 0, sleep: fakeSleep() }),
    clock,
    timeZone: 'America/New_York',
    logger: silentLogger,
    everyMs: 3_600_000,
    timers: new FakeTimers(clock),
  });
  const scheduler = new Scheduler({
    store: new ScheduleStore(app.database.sql, () => clock.now()),
    library: app.library,
    clock,
    timeZone: 'America/New_York',
    logger: silentLogger,
    freshener: live,
    retry: { retries: 0 },
  });
  scheduler.start([driver.adapter]);
  const stop = async () => {
    await scheduler.stop();
    await live.stop();
    await driver.close();
  };
  cleanups.push(stop);
  return { driver, scheduler, stop };
}

describe('weekly digest, end to end through Slack', () => {
  it("subscribed for today a minute ahead: confirmed with time and cadence, posts last week's top paper once at the slot, not again after a restart", async () => {
    const hf = await new FakeHf().listen();
    cleanups.push(() => hf.close());
    for (const d of LAST_WEEK) hf.days.set(d, recordedList());
    hf.days.set(TODAY, recordedMixed());
    const byUpvotes = (items: ReturnType<typeof recordedList>) => [...items].sort((a, b) => b.paper.upvotes - a.paper.upvotes);
    const lastWeeksTop = byUpvotes(recordedList())[0]?.paper.title ?? '?';
    const todaysTop = byUpvotes(recordedMixed())[0]?.paper.title ?? '?';
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pb-digest-e2e-')), 'paperboy.db');
    const clock = new FakeClock(new Date(`${TODAY}T14:00:20Z`));

    const first = await serveProcess(file, hf, clock);
    const { responseUrl } = await first.driver.slash('subscribe trending weekly thursday 14:01 UTC top 3');
    const confirm = first.driver.seenAt(responseUrl);
    expect(confirm.ephemeral).toBe(false);
    expect(confirm.text).toMatch(/top 3 papers of the past week every Thursday at 14:01 UTC/);
    expect(confirm.text).toMatch(/Next post: Thu 2026-06-18 14:01 UTC, with 2026-W24 \(Jun 8 – Jun 14\)/);

    // Before the slot nothing is posted; at it, the week's days are fetched and the digest goes out.
    await first.scheduler.tick();
    expect(first.driver.fake.postsIn(CHANNEL)).toHaveLength(0);
    clock.set(new Date(`${TODAY}T14:01:20Z`));
    await first.scheduler.tick();
    const posts = first.driver.fake.postsIn(CHANNEL);
    expect(posts).toHaveLength(1);
    const post = first.driver.lastPost();
    expect(post.text).toMatch(/Top papers of 2026-W24 · Jun 8 – Jun 14 · 30 papers/);
    expect(post.titles[0]).toBe(lastWeeksTop);
    expect(post.titles).not.toContain(todaysTop);
    expect(LAST_WEEK.map((d) => hf.dailyRequests(d).length)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(hf.dailyRequests(TODAY)).toHaveLength(0);
    // More pages on through the week's list, in the same order.
    const more = buttons(post.raw.blocks).find((b) => b.label === 'More');
    expect(more).toBeDefined();
    const page2 = first.driver.seenAt(await first.driver.click(more ?? { action_id: 'none' }, { ephemeral: false, messageTs: '1764000050.000100' }));
    expect(page2.titles).toEqual(
      byUpvotes(recordedList())
        .slice(3, 6)
        .map((i) => i.paper.title),
    );
    await first.stop();

    // A restart a few minutes later, and the rest of the day: no second post, and the week is not fetched again.
    const second = await serveProcess(file, hf, clock);
    for (const at of ['14:05:00', '15:00:00', '23:59:00']) {
      clock.set(new Date(`${TODAY}T${at}Z`));
      await second.scheduler.tick();
    }
    expect(second.driver.fake.postsIn(CHANNEL)).toHaveLength(0);
    expect(LAST_WEEK.map((d) => hf.dailyRequests(d).length)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    const listed = await second.driver.slash('subscriptions');
    expect(second.driver.seenAt(listed.responseUrl).text).toMatch(
      /weekly digest every Thursday at 14:01 UTC; next post Thu 2026-06-25 14:01 UTC, with 2026-W25/,
    );
  });
});
