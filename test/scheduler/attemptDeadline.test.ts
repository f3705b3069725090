// An attempt of a scheduled post that runs out of time starts no platform call afterwards, and a rate limit is a retry, not a paused client: the real Slack and Discord adapters against the fakes.
import { afterEach, describe, expect, it } from 'vitest';
import { createDiscordAdapter } from '../../adapters/discord/index.js';
import { createSlackAdapter } from '../../adapters/slack/index.js';
import type { App } from '../../src/app.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { ScheduleStore } from '../../src/scheduler/store.js';
import { GUILD, recordingLogger, testConfig } from '../adapters/discord/harness.js';
import { FakeDiscord } from '../fakes/discord.js';
import { FakeSlack } from '../fakes/slack.js';
import { createTestCore, FakeClock } from '../support/core.js';
import { gate } from '../support/gate.js';

const CHANNEL = 'C0GENERAL';
/** NOTE: a short attempt deadline (production: 15 s); the adapter's own per-call timeout stays at its default. */
const ATTEMPT_MS = 500;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

/** A subscription made the day before, its scheduler standing just after the 09:00 UTC run, and the real Slack adapter on a fake Slack. */
async function setUp(): Promise<{
  core: App;
  scheduler: Scheduler;
  schedules: ScheduleStore;
  id: string;
  fake: FakeSlack;
  log: ReturnType<typeof recordingLogger>;
}> {
  const core = await createTestCore();
  cleanups.push(async () => core.close());
  const clock = new FakeClock(new Date('2025-11-27T15:00:00Z'));
  const schedules = new ScheduleStore(core.database.sql, () => clock.now());
  const sub = await schedules.add({ platform: 'slack', channel: CHANNEL, hour: 9, minute: 0, zone: 'UTC', top: 2 });
  clock.set(new Date('2025-11-28T09:00:20Z'));
  const log = recordingLogger();
  const scheduler = new Scheduler({
    store: schedules,
    library: core.library,
    clock,
    timeZone: 'America/New_York',
    logger: log,
    retry: { retries: 3, minTimeout: 10, factor: 1 },
    sendTimeoutMs: ATTEMPT_MS,
  });
  const fake = await new FakeSlack().listen();
  cleanups.push(() => fake.close());
  const adapter = createSlackAdapter({
    config: { botToken: 'xoxb-test-token', appToken: 'xapp-test-token', port: 0, apiUrl: fake.apiUrl },
    dispatcher: core.dispatcher,
    logger: log as Logger,
    postOnly: true,
  });
  await adapter.start();
  cleanups.push(() => adapter.stop());
  scheduler.start([adapter]);
  cleanups.push(() => scheduler.stop());
  return { core, scheduler, schedules, id: sub.id, fake, log };
}

/** The Web API methods the adapter called after start-up, in order. */
const methods = (fake: FakeSlack) => fake.calls.map((c) => c.method).filter((m) => m !== 'auth.test');

describe('scheduled Slack posts under an attempt deadline', () => {
  it('a look for an earlier attempt that answers after the deadline never leads to a post: the slot ends with one message', async () => {
    const { scheduler, schedules, id, fake, log } = await setUp();
    fake.failNext('http500');
    const slow = gate();
    slow.hold();
    fake.historyWait = slow.wait;
    await scheduler.tick();
    expect(fake.postsIn(CHANNEL)).toHaveLength(1);
    // The held look answers "absent" (it was asked before the retry posted): the timed-out attempt must not post on it.
    slow.release();
    const failed = () => log.entries.filter((e) => e.msg === 'posting to Slack failed').length;
    await until(() => fake.postsIn(CHANNEL).length > 1 || failed() >= 2);
    const posts = fake.postsIn(CHANNEL);
    expect(posts).toHaveLength(1);
    expect(await schedules.slot(id, '2025-11-28')).toMatchObject({ state: 'posted', attempts: 3, messageId: posts[0]?.ts });
  });

  it('a rate-limited look is a retry later, not a post and not a paused client: the slot ends with one message', async () => {
    const { scheduler, schedules, id, fake } = await setUp();
    fake.failNext('http500');
    fake.rateLimits.set('conversations.history', 2);
    await scheduler.tick();
    const posts = fake.postsIn(CHANNEL);
    expect(posts).toHaveLength(1);
    expect(await schedules.slot(id, '2025-11-28')).toMatchObject({ state: 'posted', attempts: 3, messageId: posts[0]?.ts });
    expect(methods(fake)).toEqual(['chat.postMessage', 'conversations.history', 'conversations.history', 'chat.postMessage']);
  });

  it('a rate-limited post is retried through the ledger and lands once', async () => {
    const { scheduler, schedules, id, fake } = await setUp();
    fake.rateLimits.set('chat.postMessage', 2);
    await scheduler.tick();
    const posts = fake.postsIn(CHANNEL);
    expect(posts).toHaveLength(1);
    expect(await schedules.slot(id, '2025-11-28')).toMatchObject({ state: 'posted', attempts: 2, messageId: posts[0]?.ts });
    expect(methods(fake)).toEqual(['chat.postMessage', 'conversations.history', 'chat.postMessage']);
  });

  it('a bot outside the channel cannot look (not_in_channel): the post goes out again and the warning says to invite it', async () => {
    const { scheduler, fake, log } = await setUp();
    fake.failNext('http500');
    fake.historyError = 'not_in_channel';
    await scheduler.tick();
    expect(fake.postsIn(CHANNEL)).toHaveLength(1);
    expect(log.entries.some((e) => e.level === 'warn' && /not a member of this channel.*invite/.test(e.msg ?? ''))).toBe(true);
  });

  it('a look reads one page: with more messages than a page since the first attempt it cannot tell, and says so', async () => {
    const { scheduler, fake, log } = await setUp();
    fake.failNext('http500');
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 16; i += 1)
      fake.messages.push({ channel: CHANNEL, ts: `${now}.${String(i).padStart(6, '0')}`, text: `chatter ${i}`, blocks: undefined });
    await scheduler.tick();
    expect(fake.callsTo('conversations.history')).toHaveLength(1);
    expect(log.entries.some((e) => e.level === 'warn' && /more than 15 messages since the first attempt/.test(e.msg ?? ''))).toBe(true);
  });
});

describe('scheduled Discord posts under an attempt deadline', () => {
  it('a look for an earlier attempt that answers after the deadline never leads to a post: the slot ends with one message', async () => {
    const core = await createTestCore();
    cleanups.push(() => core.close());
    const clock = new FakeClock(new Date('2025-11-27T15:00:00Z'));
    const schedules = new ScheduleStore(core.database.sql, () => clock.now());
    const channel = GUILD.channels[0]?.id ?? '';
    const sub = await schedules.add({ platform: 'discord', channel, guildId: GUILD.id, hour: 9, minute: 0, zone: 'UTC', top: 2 });
    clock.set(new Date('2025-11-28T09:00:20Z'));
    const log = recordingLogger();
    const scheduler = new Scheduler({
      store: schedules,
      library: core.library,
      clock,
      timeZone: 'America/New_York',
      logger: silentLogger,
      retry: { retries: 3, minTimeout: 10, factor: 1 },
      sendTimeoutMs: ATTEMPT_MS,
    });
    const fake = await new FakeDiscord([GUILD]).listen();
    cleanups.push(() => fake.close());
    const adapter = createDiscordAdapter({ config: testConfig(fake), dispatcher: core.dispatcher, logger: log as Logger, postOnly: true });
    await adapter.start();
    cleanups.push(() => adapter.stop());
    scheduler.start([adapter]);
    cleanups.push(() => scheduler.stop());
    fake.failPosts = 1;
    const slow = gate();
    slow.hold();
    fake.messagesWait = slow.wait;
    await scheduler.tick();
    expect(fake.messagesIn(channel)).toHaveLength(1);
    slow.release();
    const failed = () => log.entries.filter((e) => e.msg === 'could not post to a channel').length;
    await until(() => fake.messagesIn(channel).length > 1 || failed() >= 2);
    const messages = fake.messagesIn(channel);
    expect(messages).toHaveLength(1);
    expect(await schedules.slot(sub.id, '2025-11-28')).toMatchObject({ state: 'posted', attempts: 3, messageId: messages[0]?.id });
  });
});
