// End to end with the real clients: a subscription made by slash command, then the scheduled post, in the fake Slack and the fake Discord; who may subscribe; refused channels.
import { PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { ChatAdapter } from '../../src/ports.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { ScheduleStore } from '../../src/scheduler/store.js';
import type { App } from '../../src/app.js';
import { GUILD, startDiscord, type Running } from '../adapters/discord/harness.js';
import { CHANNEL, SlackDriver, USER } from '../adapters/slack/support.js';
import { FakeClock } from '../support/core.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A scheduler over the core's database on its own fake clock (the adapters' sockets stay on real timers). */
function schedulerFor(core: App, at: string): { scheduler: Scheduler; clock: FakeClock; schedules: ScheduleStore } {
  const clock = new FakeClock(new Date(at));
  const schedules = new ScheduleStore(core.database.sql, () => clock.now());
  const scheduler = new Scheduler({
    store: schedules,
    library: core.library,
    clock,
    timeZone: 'America/New_York',
    logger: silentLogger,
    retry: { retries: 0 },
  });
  return { scheduler, clock, schedules };
}

async function runOnce(scheduler: Scheduler, adapter: ChatAdapter): Promise<void> {
  scheduler.start([adapter]);
  await scheduler.tick();
  await scheduler.stop();
}

describe('scheduled posts on Slack', () => {
  async function slack(opts: Parameters<typeof SlackDriver.start>[1] = {}): Promise<SlackDriver> {
    const d = await SlackDriver.start('socket', opts);
    cleanups.push(() => d.close());
    return d;
  }

  it('a /papers subscribe in a channel is confirmed there, and the post at its time lands in that channel', async () => {
    const d = await slack();
    const { responseUrl } = await d.slash('subscribe trending 09:00 UTC top 2');
    const confirm = d.seenAt(responseUrl);
    expect(confirm.ephemeral).toBe(false);
    expect(confirm.text).toMatch(/every day at 09:00 UTC[\s\S]*Next post: Fri 2025-11-28 09:00 UTC/);

    const { scheduler } = schedulerFor(d.core, '2025-11-28T09:00:20Z');
    await runOnce(scheduler, d.adapter);
    const post = d.lastPost();
    expect(post.raw.channel).toBe(CHANNEL);
    expect(post.text).toMatch(/Trending on 2025-11-27/);
    expect(post.titles).toHaveLength(2);
    expect(post.pings).toBe(false);
  });

  it('with SLACK_MANAGERS, a user who is neither listed nor an admin is refused privately; an admin may subscribe', async () => {
    const d = await slack({ config: { managers: ['U0BOSS'] } });
    d.fake.users.set(USER, { is_admin: false });
    const refused = await d.slash('subscribe trending 9:00 UTC');
    expect(d.seenAt(refused.responseUrl)).toMatchObject({ ephemeral: true });
    expect(d.seenAt(refused.responseUrl).text).toMatch(/can't change this channel's subscriptions[\s\S]*SLACK_MANAGERS/);
    expect(await d.core.schedules?.list('slack', CHANNEL)).toEqual([]);
    expect(d.fake.callsTo('users.info').map((c) => c.args.user)).toEqual([USER]);

    d.fake.users.set(USER, { is_admin: true });
    const allowed = await d.slash('subscribe trending 9:00 UTC');
    expect(d.seenAt(allowed.responseUrl).text).toMatch(/every day at 09:00 UTC/);
  });

  it('a channel the bot is not in is recorded with not_in_channel, and subscriptions says to /invite it', async () => {
    const d = await slack();
    await d.slash('subscribe trending 09:00 UTC');
    d.fake.refusedChannels.set(CHANNEL, 'not_in_channel');
    const { scheduler, schedules } = schedulerFor(d.core, '2025-11-28T09:00:20Z');
    await runOnce(scheduler, d.adapter);
    const id = (await schedules.list('slack', CHANNEL))[0]?.id ?? '';
    expect(await schedules.slot(id, '2025-11-28')).toMatchObject({ state: 'failed', failure: 'no-access' });
    const { responseUrl } = await d.slash('subscriptions');
    expect(d.seenAt(responseUrl).text).toMatch(
      /The last post \(2025-11-28\) failed: the bot may not post in this channel\. Invite the bot with `\/invite @paperboy`/,
    );
  });

  it.each([
    ['channel_not_found', 'not-found'],
    ['ratelimited', 'transient'],
  ])('a post Slack refuses with %s is recorded as %s', async (error, failure) => {
    const d = await slack();
    await d.slash('subscribe trending 09:00 UTC');
    d.fake.refusedChannels.set(CHANNEL, error);
    const { scheduler, schedules } = schedulerFor(d.core, '2025-11-28T09:00:20Z');
    await runOnce(scheduler, d.adapter);
    const id = (await schedules.list('slack', CHANNEL))[0]?.id ?? '';
    expect(await schedules.slot(id, '2025-11-28')).toMatchObject({ state: 'failed', failure });
  });

  it('in a DM the subscribe command says it needs a channel', async () => {
    const d = await slack();
    await d.dm('subscribe trending');
    expect(d.lastPost().text).toMatch(/belong to a channel/);
  });
});

describe('scheduled posts on Discord', () => {
  async function discord(): Promise<Running> {
    const run = await startDiscord();
    cleanups.push(() => run.close());
    return run;
  }
  const channel = GUILD.channels[0]?.id ?? '';

  it('a member with Manage Channels subscribes by slash command, and the scheduled post lands in the channel', async () => {
    const run = await discord();
    run.fake.memberPermissions = String(PermissionFlagsBits.ManageChannels);
    const { token } = run.fake.command('subscribe', { what: 'trending', time: '09:00', zone: 'UTC', top: 2 });
    const answer = await run.fake.answer(token);
    expect(JSON.stringify(answer.body)).toMatch(/every day at 09:00 UTC/);
    expect(await run.core.schedules?.list('discord', channel)).toMatchObject([{ guildId: GUILD.id, top: 2 }]);

    const { scheduler } = schedulerFor(run.core, '2025-11-28T09:00:20Z');
    const posted = run.fake.waitFor((q) => q.method === 'POST' && q.path === `/api/v10/channels/${channel}/messages`);
    await runOnce(scheduler, run.adapter);
    const body = (await posted).body as { content?: string; embeds?: Array<{ title?: string }>; allowed_mentions?: { parse?: string[] } };
    expect(body.content).toMatch(/Trending on 2025-11-27/);
    expect(body.embeds).toHaveLength(2);
    expect(body.allowed_mentions?.parse).toEqual([]);
    expect(run.adapter.connected?.()).toBe(true);
  });

  it.each([
    [403, 50013, 'Missing Permissions', 'no-access'],
    [404, 10003, 'Unknown Channel', 'not-found'],
  ])('a post Discord answers with HTTP %i, code %i (%s) is recorded as %s', async (status, code, message, failure) => {
    const run = await discord();
    run.fake.memberPermissions = String(PermissionFlagsBits.ManageChannels);
    await run.fake.answer(run.fake.command('subscribe', { what: 'trending', time: '09:00', zone: 'UTC' }).token);
    run.fake.refusedChannels.set(channel, { status, code, message });
    const { scheduler, schedules } = schedulerFor(run.core, '2025-11-28T09:00:20Z');
    await runOnce(scheduler, run.adapter);
    const id = (await schedules.list('discord', channel))[0]?.id ?? '';
    expect(await schedules.slot(id, '2025-11-28')).toMatchObject({ state: 'failed', failure, attempts: 1 });
  });

  it('Manage Server also counts; a member with neither permission is refused privately', async () => {
    const run = await discord();
    run.fake.memberPermissions = String(PermissionFlagsBits.SendMessages);
    const refused = await run.fake.answer(run.fake.command('subscribe', { what: 'trending' }).token);
    expect(refused.body.flags).toBe(64);
    expect(JSON.stringify(refused.body)).toMatch(/Manage Channels/);
    expect(await run.core.schedules?.list('discord', channel)).toEqual([]);

    run.fake.memberPermissions = String(PermissionFlagsBits.ManageGuild);
    const allowed = await run.fake.answer(run.fake.command('subscribe', { what: 'trending' }).token);
    expect(JSON.stringify(allowed.body)).toMatch(/every day at 09:00 America/);
  });

  it('Missing Access (50001) is recorded without retrying, and subscriptions points at the channel permissions', async () => {
    const run = await discord();
    run.fake.memberPermissions = String(PermissionFlagsBits.ManageChannels);
    await run.fake.answer(run.fake.command('subscribe', { what: 'trending', time: '9am', zone: 'utc' }).token);
    run.fake.refusedChannels.set(channel, { status: 403, code: 50001, message: 'Missing Access' });
    const { scheduler, schedules } = schedulerFor(run.core, '2025-11-28T09:00:20Z');
    await runOnce(scheduler, run.adapter);
    const id = (await schedules.list('discord', channel))[0]?.id ?? '';
    expect(await schedules.slot(id, '2025-11-28')).toMatchObject({ state: 'failed', failure: 'no-access', attempts: 1 });
    const list = await run.fake.answer(run.fake.command('subscriptions', {}).token);
    expect(JSON.stringify(list.body)).toMatch(/View Channel and Send Messages/);
  });
});
