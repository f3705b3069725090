// Follow alerts end to end with the real clients: a slash-command follow over the fake Slack and the fake Discord,
// an ingest by a second process on the same database file, and the DM landing in the fake server.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { createApp, type App } from '../../src/app.js';
import { AlertDelivery } from '../../src/follows/delivery.js';
import { silentLogger } from '../../src/logger.js';
import { USER as DISCORD_USER } from '../fakes/discord.js';
import { startDiscord, seenOf as discordSeen } from '../adapters/discord/harness.js';
import { SlackDriver, USER as SLACK_USER, seenOf as slackSeen } from '../adapters/slack/support.js';
import { FakeClock } from '../support/core.js';
import { HOSTILE_TITLE } from '../support/papers.js';
import { ManualTicker, paper } from './support.js';

/** A new paper about the KV cache whose title tries every markup and mention trick. */
const HOSTILE_KV = paper('2512.00042', `KV Cache Eviction ${HOSTILE_TITLE}`, 'We evict entries from the KV cache.', 7);
const LINK = 'https://huggingface.co/papers/2512.00042';

describe('follow alerts over the real clients', () => {
  const dirs: string[] = [];
  const closers: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** The serving app and an `ingest` run's app (another process) on one database file. */
  async function database(): Promise<{ clock: FakeClock; serving: App; ingest: () => Promise<void> }> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paperboy-alerts-'));
    dirs.push(dir);
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const open = async () => await createApp({ config: { dataDir: dir, timeZone: 'America/New_York' }, logger: silentLogger, clock, commands });
    const serving = await open();
    return {
      clock,
      serving,
      ingest: async () => {
        const other = await open();
        try {
          clock.advance(1_000);
          await other.library.ingest([HOSTILE_KV]);
        } finally {
          await other.close();
        }
      },
    };
  }

  function delivery(app: App, clock: FakeClock): { job: AlertDelivery; ticker: ManualTicker } {
    if (!app.follows) throw new Error('no follow store');
    const ticker = new ManualTicker();
    const job = new AlertDelivery({ follows: app.follows, clock, logger: silentLogger, ticker });
    closers.push(() => job.stop());
    return { job, ticker };
  }

  it('Slack: /papers follow, a cron ingest, and the DM reaches the user with the title escaped and its link', async () => {
    const { clock, serving, ingest } = await database();
    const driver = await SlackDriver.start('http', { core: serving });
    closers.push(() => driver.close());
    const { responseUrl } = await driver.slash('follow kv cache');
    expect(driver.seenAt(responseUrl)).toMatchObject({ ephemeral: true, text: expect.stringMatching(/Following "kv cache" \(id 1\)/) });

    const { job, ticker } = delivery(serving, clock);
    job.start([driver.adapter]);
    await ingest();
    clock.advance(30_000);
    ticker.fire();
    await job.idle();

    expect(driver.fake.callsTo('conversations.open').map((c) => c.args.users)).toEqual([SLACK_USER]);
    const dms = driver.fake.directMessages();
    expect(dms.map((d) => d.user)).toEqual([SLACK_USER]);
    const seen = slackSeen(dms[0]?.args ?? {}, false);
    expect(seen.titles).toEqual([HOSTILE_KV.title]);
    expect(seen.pings).toBe(false);
    expect(seen.text).toMatch(/New papers on kv cache/);
    expect(JSON.stringify(dms[0]?.args.blocks)).toContain(LINK);
    expect((await serving.follows?.outbox())?.map((o) => o.status)).toEqual(['delivered']);
  });

  it('Slack: a user the bot may not message is recorded as failed and told in /papers following', async () => {
    const { clock, serving, ingest } = await database();
    const driver = await SlackDriver.start('http', { core: serving });
    closers.push(() => driver.close());
    await driver.slash('follow kv cache');
    driver.fake.dmErrors.set(SLACK_USER, 'cannot_dm_bot');
    const { job } = delivery(serving, clock);
    await ingest();
    job.start([driver.adapter]);
    await job.idle();
    expect(await serving.follows?.outbox()).toMatchObject([{ status: 'failed', failure: 'no-access' }]);
    const { responseUrl } = await driver.slash('following');
    expect(driver.seenAt(responseUrl).text).toMatch(/could not be delivered: the platform would not let me message you/);
  });

  it('Discord: /papers follow, a cron ingest, and the DM reaches the user with the title escaped and its link', async () => {
    const { clock, serving, ingest } = await database();
    const run = await startDiscord({ core: serving });
    closers.push(() => run.close());
    const { token } = run.fake.command('follow', { topic: 'kv cache' });
    const answer = await run.fake.answer(token);
    expect(discordSeen(answer.body)).toMatchObject({ ephemeral: true, text: expect.stringMatching(/Following "kv cache" \(id 1\)/) });

    const { job, ticker } = delivery(serving, clock);
    job.start([run.adapter]);
    await ingest();
    clock.advance(30_000);
    ticker.fire();
    await job.idle();

    const dms = run.fake.directMessages();
    expect(dms.map((d) => d.user)).toEqual([DISCORD_USER.id]);
    const body = dms[0]?.body ?? {};
    const seen = discordSeen(body);
    expect(seen.titles).toEqual([HOSTILE_KV.title]);
    expect(seen.pings).toBe(false);
    expect(seen.text).toMatch(/New papers on kv cache/);
    expect(JSON.stringify(body.embeds)).toContain(LINK);
    expect((await serving.follows?.outbox())?.map((o) => o.status)).toEqual(['delivered']);
  });

  it('Discord: a user whose DMs refuse the bot is recorded as failed, not retried', async () => {
    const { clock, serving, ingest } = await database();
    const run = await startDiscord({ core: serving });
    closers.push(() => run.close());
    const { token } = run.fake.command('follow', { topic: 'kv cache' });
    await run.fake.answer(token);
    run.fake.refusingDms.add(DISCORD_USER.id);
    const { job } = delivery(serving, clock);
    await ingest();
    job.start([run.adapter]);
    await job.idle();
    expect(await serving.follows?.outbox()).toMatchObject([{ status: 'failed', failure: 'no-access' }]);
    clock.advance(3_600_000);
    expect(await job.poll()).toBe(0);
    // The one refused attempt, and no other.
    expect(run.fake.directMessages().map((d) => d.user)).toEqual([DISCORD_USER.id]);
  });

  it('Slack and Discord: a server error is transient, so the alert waits for a retry', async () => {
    const { clock, serving, ingest } = await database();
    const driver = await SlackDriver.start('http', { core: serving });
    closers.push(() => driver.close());
    const run = await startDiscord({ core: serving });
    closers.push(() => run.close());
    await driver.slash('follow kv cache');
    const { token } = run.fake.command('follow', { topic: 'kv cache' });
    await run.fake.answer(token);
    driver.fake.failNext('http500');
    run.fake.failNext((r) => r.method === 'POST' && /\/channels\/\d+\/messages$/.test(r.path));
    await ingest();
    const { job } = delivery(serving, clock);
    job.start([driver.adapter, run.adapter]);
    await job.idle();
    expect(await serving.follows?.outbox()).toMatchObject([
      { platform: 'slack', status: 'pending', failure: 'transient', attempts: 1 },
      { platform: 'discord', status: 'pending', failure: 'transient', attempts: 1 },
    ]);
    clock.advance(60_000);
    expect(await job.poll()).toBe(2);
    expect(driver.fake.directMessages().map((d) => d.user)).toEqual([SLACK_USER, SLACK_USER]);
    expect(run.fake.directMessages().map((d) => d.user)).toEqual([DISCORD_USER.id, DISCORD_USER.id]);
  });
});
