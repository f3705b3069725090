// Follow alerts exactly once under real faults: two serving processes with slow DMs, and DMs whose answer Slack or Discord loses.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commands } from '../../commands/index.js';
import { createSlackAdapter } from '../../adapters/slack/index.js';
import { createApp, type App } from '../../src/app.js';
import { AlertDelivery, intervalTicker, POLL_MS, retryDelayMs, type TickTiming } from '../../src/follows/delivery.js';
import { SETTLE_MS } from '../../src/clockSteps.js';
import { silentLogger } from '../../src/logger.js';
import { systemClock, type ChatAdapter, type Clock } from '../../src/ports.js';
import { GUILD, startDiscord } from '../adapters/discord/harness.js';
import { USER as DISCORD_USER } from '../fakes/discord.js';
import { FakeSlack } from '../fakes/slack.js';
import { FakeClock } from '../support/core.js';
import { ManualTicker, paper, RecordingAdapter } from './support.js';

const KV_NEW = paper('2512.00001', 'Evicting Tokens from the KV Cache Under Memory Pressure', 'We evict tokens when memory runs short.', 5);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Opens apps ("processes") on one fresh database file. */
function database(clock: Clock): () => Promise<App> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'paperboy-once-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return async () => {
    const app = await createApp({ config: { dataDir: dir, timeZone: 'America/New_York' }, logger: silentLogger, clock, commands });
    cleanups.push(() => app.close());
    return app;
  };
}

async function slackAdapter(fake: FakeSlack, app: App): Promise<ChatAdapter> {
  const adapter = createSlackAdapter({
    config: { botToken: 'xoxb-test-token', appToken: 'xapp-test-token', port: 0, apiUrl: fake.apiUrl },
    dispatcher: app.dispatcher,
    logger: silentLogger,
    postOnly: true,
  });
  await adapter.start();
  cleanups.push(() => adapter.stop());
  return adapter;
}

function job(app: App, clock: Clock, opts: Partial<ConstructorParameters<typeof AlertDelivery>[0]> = {}): { job: AlertDelivery; ticker: ManualTicker } {
  if (!app.follows) throw new Error('no follow store');
  const ticker = new ManualTicker();
  const delivery = new AlertDelivery({ follows: app.follows, clock, logger: silentLogger, ticker, ...opts });
  cleanups.push(() => delivery.stop());
  return { job: delivery, ticker };
}

describe('follow alerts exactly once', () => {
  it('two serving processes with slow DMs and 20 followers: every follower gets the alert once, though one batch outlasts the lease', async () => {
    const open = database(systemClock);
    const one = await open();
    const two = await open();
    const users = Array.from({ length: 20 }, (_, i) => `U0F${String(i).padStart(2, '0')}`);
    for (const user of users) await one.dispatcher.runText('follow kv cache', { platform: 'slack', user, channel: 'C0GENERAL' });
    const fake = await new FakeSlack().listen();
    cleanups.push(() => fake.close());
    // NOTE: scaled down from the field (8 s per DM, a 120 s lease): 20 DMs two at a time take ~1.5 s, the lease is 1 s.
    fake.postDelayMs = 150;
    const a = job(one, systemClock, { leaseMs: 1_000, concurrency: 2 });
    const b = job(two, systemClock, { leaseMs: 1_000, concurrency: 2 });
    a.job.start([await slackAdapter(fake, one)]);
    b.job.start([await slackAdapter(fake, two)]);
    await (await open()).library.ingest([KV_NEW]);
    const delivered = async () => ((await one.follows?.outbox()) ?? []).filter((o) => o.status === 'delivered').length;
    while ((await delivered()) < users.length) {
      a.ticker.fire();
      b.ticker.fire();
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all([a.job.idle(), b.job.idle()]);
    const perUser = new Map<string, number>();
    for (const dm of fake.directMessages()) perUser.set(dm.user, (perUser.get(dm.user) ?? 0) + 1);
    expect([...perUser.keys()].sort()).toEqual(users);
    expect([...perUser.values()].every((n) => n === 1)).toBe(true);
    expect((await one.follows?.outbox())?.every((o) => o.messageId !== null && o.attempts === 1)).toBe(true);
  }, 30_000);

  it('after a step of the wall clock no alert is claimed until the clock has run steadily for 15 minutes (leases are wall-clock times)', async () => {
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const app = await database(clock)();
    await app.dispatcher.runText('follow kv cache', { platform: 'slack', user: 'U0ADA', channel: 'C0GENERAL' });
    const slack = new RecordingAdapter('slack');
    const { job: delivery, ticker } = job(app, clock);
    delivery.start([slack]);
    await delivery.idle();
    /** One poll of the real interval: due `POLL_MS` after the last, arriving after `stepMs` more by the wall clock. */
    const poll = async (stepMs = 0) => {
      const dueAtMs = clock.now().getTime() + POLL_MS;
      clock.advance(POLL_MS + stepMs);
      ticker.fire({ dueAtMs, atMs: clock.now().getTime() });
      await delivery.idle();
    };
    await app.library.ingest([KV_NEW]);
    await poll(24 * 3_600_000);
    expect(slack.direct).toEqual([]);
    expect(await app.follows?.outbox()).toMatchObject([{ status: 'pending', attempts: 0 }]);
    for (let steady = POLL_MS; steady < SETTLE_MS; steady += POLL_MS) await poll();
    expect(slack.direct).toEqual([]);
    await poll();
    expect(slack.direct.map((d) => d.user)).toEqual(['U0ADA']);
  });

  it('Slack: a DM whose answer is lost is found in the DM on the retry and not sent again; the outbox keeps its ts', async () => {
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const app = await database(clock)();
    await app.dispatcher.runText('follow kv cache', { platform: 'slack', user: 'U0ADA', channel: 'C0GENERAL' });
    const fake = await new FakeSlack().listen();
    cleanups.push(() => fake.close());
    fake.lostAnswers.push('http500');
    const { job: delivery, ticker } = job(app, clock);
    delivery.start([await slackAdapter(fake, app)]);
    clock.advance(1_000);
    await app.library.ingest([KV_NEW]);
    ticker.fire();
    await delivery.idle();
    expect(await app.follows?.outbox()).toMatchObject([{ status: 'pending', attempts: 1, failure: 'transient' }]);
    clock.advance(retryDelayMs(1));
    ticker.fire();
    await delivery.idle();
    const dms = fake.directMessages();
    expect(dms.map((d) => d.user)).toEqual(['U0ADA']);
    expect(await app.follows?.outbox()).toMatchObject([{ status: 'delivered', attempts: 2, messageId: fake.postsIn(String(dms[0]?.args.channel))[0]?.ts }]);
    expect(fake.callsTo('conversations.history').map((c) => c.args.channel)).toEqual([dms[0]?.args.channel]);
  });

  it('Discord: a DM whose answer is lost is found on the retry (past the nonce window) and not sent again; the outbox keeps its id', async () => {
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const app = await database(clock)();
    await app.dispatcher.runText('follow kv cache', { platform: 'discord', user: DISCORD_USER.id, channel: GUILD.channels[0]?.id ?? '' });
    // NOTE: DMs need the gateway's bot user (a post-only client cannot open one), so the adapter connects.
    const { fake, adapter } = await startDiscord({ core: app, adapter: { rest: {} } });
    cleanups.push(async () => {
      await adapter.stop();
      await fake.close();
    });
    fake.nonceWindowMs = 0;
    fake.lostAnswers.push('http500');
    const { job: delivery, ticker } = job(app, clock);
    delivery.start([adapter]);
    clock.advance(1_000);
    await app.library.ingest([KV_NEW]);
    ticker.fire();
    await delivery.idle();
    clock.advance(retryDelayMs(1));
    ticker.fire();
    await delivery.idle();
    const dms = fake.directMessages();
    expect(dms.map((d) => d.user)).toEqual([DISCORD_USER.id]);
    expect(await app.follows?.outbox()).toMatchObject([{ status: 'delivered', attempts: 2, messageId: fake.sent[0]?.id }]);
  });
});

describe('the poll interval', () => {
  it('reports each tick with when the wall clock expected it, so a step of the clock between two ticks shows', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    try {
      vi.setSystemTime(new Date('2025-11-28T12:00:00Z'));
      const seen: TickTiming[] = [];
      const t = intervalTicker.every(30_000, (timing) => timing && seen.push(timing));
      await vi.advanceTimersByTimeAsync(30_000);
      vi.setSystemTime(new Date(Date.now() + 3_600_000));
      await vi.advanceTimersByTimeAsync(30_000);
      t.cancel();
      expect(seen.map((x) => x.atMs - x.dueAtMs)).toEqual([0, 3_600_000]);
    } finally {
      vi.useRealTimers();
    }
  });
});
