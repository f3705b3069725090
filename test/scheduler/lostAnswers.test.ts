// Exactly once when the platform's answer is lost: the real Slack and Discord clients, with their production retry settings, against fakes that create the post and then lose the answer.
import { afterEach, describe, expect, it } from 'vitest';
import { createDiscordAdapter } from '../../adapters/discord/index.js';
import { createSlackAdapter } from '../../adapters/slack/index.js';
import type { App } from '../../src/app.js';
import { silentLogger } from '../../src/logger.js';
import type { ChatAdapter } from '../../src/ports.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { ScheduleStore } from '../../src/scheduler/store.js';
import { recordingLogger, GUILD, testConfig } from '../adapters/discord/harness.js';
import { FakeDiscord, type LostAnswer } from '../fakes/discord.js';
import { FakeSlack, type LostAnswer as SlackLostAnswer } from '../fakes/slack.js';
import { createTestCore, FakeClock } from '../support/core.js';

const SLACK_CHANNEL = 'C0GENERAL';
const DISCORD_CHANNEL = GUILD.channels[0]?.id ?? '';
/** NOTE: short deadlines so the "never answers" case ends quickly; the production values are 15 s. */
const SEND_TIMEOUT_MS = 1_000;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A core with a subscription made the day before, and a scheduler whose clock stands just after its 09:00 UTC run. */
async function scheduled(
  platform: string,
  channel: string,
  guildId?: string,
): Promise<{ core: App; scheduler: Scheduler; schedules: ScheduleStore; id: string }> {
  const core = await createTestCore();
  cleanups.push(async () => core.close());
  const clock = new FakeClock(new Date('2025-11-27T15:00:00Z'));
  const schedules = new ScheduleStore(core.database.sql, () => clock.now());
  const sub = await schedules.add({ platform, channel, hour: 9, minute: 0, zone: 'UTC', top: 2, ...(guildId ? { guildId } : {}) });
  clock.set(new Date('2025-11-28T09:00:20Z'));
  const scheduler = new Scheduler({
    store: schedules,
    library: core.library,
    clock,
    timeZone: 'America/New_York',
    logger: silentLogger,
    retry: { retries: 3, minTimeout: 10, factor: 1 },
    sendTimeoutMs: 5 * SEND_TIMEOUT_MS,
  });
  return { core, scheduler, schedules, id: sub.id };
}

async function runOnce(scheduler: Scheduler, adapter: ChatAdapter): Promise<void> {
  scheduler.start([adapter]);
  await scheduler.tick();
  await scheduler.stop();
}

describe('scheduled posts when Slack loses the answer', () => {
  /** The real adapter as `serve` builds it (Slack's own client settings, not the tests' no-retry ones). */
  async function slack(core: App, logger = silentLogger): Promise<{ fake: FakeSlack; adapter: ChatAdapter }> {
    const fake = await new FakeSlack().listen();
    cleanups.push(() => fake.close());
    const adapter = createSlackAdapter({
      config: { botToken: 'xoxb-test-token', appToken: 'xapp-test-token', port: 0, apiUrl: fake.apiUrl },
      dispatcher: core.dispatcher,
      logger,
      postOnly: true,
      sendTimeoutMs: SEND_TIMEOUT_MS,
    });
    await adapter.start();
    cleanups.push(() => adapter.stop());
    return { fake, adapter };
  }

  it.each<SlackLostAnswer>(['http500', 'reset', 'hang'])(
    'a post Slack accepted whose answer is lost (%s) lands once, and the ledger says posted with its ts',
    async (lost) => {
      const { core, scheduler, schedules, id } = await scheduled('slack', SLACK_CHANNEL);
      const { fake, adapter } = await slack(core);
      fake.lostAnswers.push(lost);
      await runOnce(scheduler, adapter);
      const posts = fake.postsIn(SLACK_CHANNEL);
      expect(posts).toHaveLength(1);
      expect(posts[0]?.metadata).toEqual({ event_type: 'paperboy_post', event_payload: { key: `post:${id}:2025-11-28` } });
      expect(await schedules.slot(id, '2025-11-28')).toMatchObject({ state: 'posted', attempts: 2, messageId: posts[0]?.ts });
      expect(fake.callsTo('conversations.history')[0]?.args).toMatchObject({ channel: SLACK_CHANNEL, include_all_metadata: 'true' });
    },
    20_000,
  );

  it('a post whose answer comes back is posted once without reading the channel', async () => {
    const { core, scheduler, schedules, id } = await scheduled('slack', SLACK_CHANNEL);
    const { fake, adapter } = await slack(core);
    await runOnce(scheduler, adapter);
    expect(fake.postsIn(SLACK_CHANNEL)).toHaveLength(1);
    expect(await schedules.slot(id, '2025-11-28')).toMatchObject({ state: 'posted', attempts: 1, messageId: fake.postsIn(SLACK_CHANNEL)[0]?.ts });
    expect(fake.callsTo('conversations.history')).toEqual([]);
  });

  it('without the history scopes a lost answer is posted again, and the log names the scopes', async () => {
    const { core, scheduler, schedules, id } = await scheduled('slack', SLACK_CHANNEL);
    const logger = recordingLogger();
    const { fake, adapter } = await slack(core, logger);
    fake.lostAnswers.push('http500');
    fake.historyError = 'missing_scope';
    await runOnce(scheduler, adapter);
    expect(fake.postsIn(SLACK_CHANNEL)).toHaveLength(2);
    expect(await schedules.slot(id, '2025-11-28')).toMatchObject({ state: 'posted', messageId: fake.postsIn(SLACK_CHANNEL)[1]?.ts });
    expect(logger.entries.some((e) => e.level === 'warn' && /channels:history/.test(e.msg ?? ''))).toBe(true);
  });
});

describe('scheduled posts when Discord loses the answer', () => {
  /** The real adapter as `serve` builds it (discord.js's own REST settings, not the tests' no-retry ones). */
  async function discord(core: App): Promise<{ fake: FakeDiscord; adapter: ChatAdapter }> {
    const fake = await new FakeDiscord([GUILD]).listen();
    cleanups.push(() => fake.close());
    const adapter = createDiscordAdapter({
      config: testConfig(fake),
      dispatcher: core.dispatcher,
      logger: silentLogger,
      postOnly: true,
      sendTimeoutMs: SEND_TIMEOUT_MS,
    });
    await adapter.start();
    cleanups.push(() => adapter.stop());
    return { fake, adapter };
  }

  it.each<LostAnswer>(['http500', 'reset', 'hang'])(
    'a message Discord created whose answer is lost (%s) lands once, and the ledger says posted with its id',
    async (lost) => {
      const { core, scheduler, schedules, id } = await scheduled('discord', DISCORD_CHANNEL, GUILD.id);
      const { fake, adapter } = await discord(core);
      fake.lostAnswers.push(lost);
      await runOnce(scheduler, adapter);
      const messages = fake.messagesIn(DISCORD_CHANNEL);
      expect(messages).toHaveLength(1);
      expect(await schedules.slot(id, '2025-11-28')).toMatchObject({ state: 'posted', attempts: 2, messageId: messages[0]?.id });
    },
    20_000,
  );

  it("past Discord's nonce window, the retry finds the message by the bot's recent messages and does not post again", async () => {
    const { core, scheduler, schedules, id } = await scheduled('discord', DISCORD_CHANNEL, GUILD.id);
    const { fake, adapter } = await discord(core);
    fake.nonceWindowMs = 0;
    fake.lostAnswers.push('http500');
    await runOnce(scheduler, adapter);
    const messages = fake.messagesIn(DISCORD_CHANNEL);
    expect(messages).toHaveLength(1);
    expect(await schedules.slot(id, '2025-11-28')).toMatchObject({ state: 'posted', messageId: messages[0]?.id });
    expect(fake.requests.some((q) => q.method === 'GET' && q.path === `/api/v10/channels/${DISCORD_CHANNEL}/messages`)).toBe(true);
  });
});
