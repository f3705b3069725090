// Two hosts on one PostgreSQL database, each running some of a Discord bot's shards (`serve --shards 0-1 --total-shards 4` and `--shards 2-3`): each guild's scheduled post and channel alert goes out once, from the host whose shard holds the guild.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordAdapter, type DiscordAdapter } from '../../adapters/discord/index.js';
import type { App as Core } from '../../src/app.js';
import { AlertDelivery } from '../../src/follows/delivery.js';
import { FollowStore } from '../../src/follows/store.js';
import { silentLogger } from '../../src/logger.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { ScheduleStore } from '../../src/scheduler/store.js';
import { connectPostgres } from '../../src/store/postgres/connect.js';
import { PostgresSql } from '../../src/store/postgresSql.js';
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { FakeDiscord, guildIdOnShard } from '../fakes/discord.js';
import { testConfig } from '../adapters/discord/harness.js';
import { createTestCore, FakeClock } from '../support/core.js';
import { freshSql } from '../support/postgres.js';

const TOTAL = 4;
const guilds = [0, 1, 2, 3].map((k) => ({ id: guildIdOnShard(k), channels: [{ id: `14000000000000000${k}`, name: `shard${k}` }] }));
const channelOf = (k: number) => guilds[k]?.channels[0]?.id ?? '';

/** A ticker whose polls the test fires by hand. */
const handTicker = { every: () => ({ cancel: () => undefined }) };

interface Host {
  name: string;
  discord: DiscordAdapter;
  scheduler: Scheduler;
  alerts: AlertDelivery;
  schedules: ScheduleStore;
}

describe('hosts running different shards of one Discord bot, on one database', () => {
  const clock = new FakeClock(new Date('2025-11-27T14:00:00Z'));
  let fake: FakeDiscord;
  let core: Core;
  let db: Awaited<ReturnType<typeof freshSql>>;
  const pools: Array<{ end(): Promise<void> }> = [];
  const hosts: Host[] = [];

  beforeAll(async () => {
    fake = await new FakeDiscord(guilds).listen();
    fake.shardCount = TOTAL;
    core = await createTestCore({ clock });
    db = await freshSql();
    for (const [name, shards] of [
      ['A', [0, 1]],
      ['B', [2, 3]],
    ] as const) {
      // Each host its own connection pool, as on two machines.
      const pool = await connectPostgres(db.url);
      pools.push(pool);
      const sql = new PostgresSql(pool);
      const discord = createDiscordAdapter({
        config: testConfig(fake),
        dispatcher: core.dispatcher,
        logger: silentLogger,
        rest: { retries: 0 },
        client: { shards: [...shards], shardCount: TOTAL },
      });
      const schedules = new ScheduleStore(sql, () => clock.now());
      const scheduler = new Scheduler({ store: schedules, library: core.library, clock, timeZone: 'UTC', logger: silentLogger, owner: `host-${name}` });
      const alerts = new AlertDelivery({ follows: new FollowStore(sql, clock), clock, logger: silentLogger, ticker: handTicker, holder: `host-${name}` });
      hosts.push({ name, discord, scheduler, alerts, schedules });
    }
    await Promise.all(hosts.map((h) => h.discord.start()));
    for (const h of hosts) {
      h.scheduler.start([h.discord]);
      h.alerts.start([h.discord]);
    }
    // NOTE: start() looks at once (a 0 ms timer); a look still running when the test ticks would hold the new
    // subscriptions it read, and the tick would leave them to it (seen at 14:00, not due), so wait for it.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await Promise.all(hosts.map((h) => h.scheduler.settled()));
  });
  afterAll(async () => {
    for (const h of hosts) {
      await h.alerts.stop();
      await h.scheduler.stop();
      await h.discord.stop();
    }
    for (const p of pools) await p.end();
    await db?.close();
    await fake?.close();
    await core?.close();
  });

  const postsTo = (channel: string) => fake.requests.filter((r) => r.method === 'POST' && r.path === `/api/v10/channels/${channel}/messages`);

  it('each guild’s scheduled post is sent once, by the host whose shard holds the guild', async () => {
    const [a, b] = hosts as [Host, Host];
    const subs = [];
    for (let k = 0; k < TOTAL; k++) {
      subs.push(await a.schedules.add({ platform: 'discord', channel: channelOf(k), guildId: guilds[k]?.id ?? '', hour: 15, minute: 0, zone: 'UTC', top: 3 }));
    }
    clock.set(new Date('2025-11-27T15:00:30Z'));
    await Promise.all([a.scheduler.tick(), b.scheduler.tick(), a.scheduler.tick(), b.scheduler.tick()]);
    for (let k = 0; k < TOTAL; k++) {
      expect(postsTo(channelOf(k)), `guild on shard ${k}`).toHaveLength(1);
      const row = await a.schedules.slot(subs[k]?.id ?? '', '2025-11-27');
      expect(row).toMatchObject({ state: 'posted', owner: k < 2 ? 'host-A' : 'host-B' });
    }
  });

  it('a host claims only alerts for guilds its shards hold: however many the other host’s guilds have waiting, its own go out at its next poll', async () => {
    const [a, b] = hosts as [Host, Host];
    const insert = (k: number, n: number) =>
      db.sql.run(
        `INSERT INTO follow_outbox (platform, owner_kind, owner_id, guild_id, reply, papers, created_at, due_at)
         VALUES ('discord', 'channel', ?, ?, ?, 1, ?, ?)`,
        [
          channelOf(k),
          guilds[k]?.id ?? '',
          JSON.stringify({ kind: 'text', lines: [`alert ${n} for shard ${k}`], visibility: 'public' }),
          clock.now().toISOString(),
          clock.now().toISOString(),
        ],
      );
    // More alerts for host B's guild than one claim takes, written before host A's one alert.
    for (let n = 0; n < 25; n++) await insert(2, n);
    await insert(0, 0);
    const before = (k: number) => postsTo(channelOf(k)).length;
    const [zero, two] = [before(0), before(2)];
    await a.alerts.poll();
    expect(postsTo(channelOf(0)).length - zero).toBe(1);
    expect(postsTo(channelOf(2)).length - two).toBe(0);
    await b.alerts.poll();
    await b.alerts.poll();
    expect(postsTo(channelOf(2)).length - two).toBe(25);
    const states = await db.sql.all<{ status: string; holder: string; guild_id: string }>('SELECT status, holder, guild_id FROM follow_outbox');
    expect(states.every((s) => s.status === 'delivered')).toBe(true);
    expect(new Set(states.filter((s) => s.guild_id === guilds[2]?.id).map((s) => s.holder))).toEqual(new Set(['host-B']));
  });
});

describe('claiming alerts for some shards, on both engines', () => {
  it.each(['sqlite', 'postgres'] as const)('on %s: channel alerts of guilds on other shards are left, DMs and other platforms are claimed', async (engine) => {
    const clock = new FakeClock(new Date('2025-11-27T14:00:00Z'));
    const handle =
      engine === 'postgres'
        ? await freshSql()
        : await openDatabase({ file: ':memory:', features: FEATURES }).then((d) => ({ sql: d.sql, close: () => d.close() }));
    try {
      const insert = (platform: string, kind: string, owner: string, guild: string | null) =>
        handle.sql.run(
          `INSERT INTO follow_outbox (platform, owner_kind, owner_id, guild_id, reply, papers, created_at, due_at) VALUES (?, ?, ?, ?, '{}', 1, ?, ?)`,
          [platform, kind, owner, guild, clock.now().toISOString(), clock.now().toISOString()],
        );
      await insert('discord', 'channel', 'C-shard2', guildIdOnShard(2));
      await insert('discord', 'channel', 'C-shard1', guildIdOnShard(1));
      await insert('discord', 'user', 'U-dm', guildIdOnShard(3));
      await insert('discord', 'channel', 'C-big', '18446744073709551615');
      await insert('slack', 'channel', 'C-slack', 'T0TEAM');
      const claimed = await new FollowStore(handle.sql, clock).claim('me', ['discord', 'slack'], 60_000, 20, { discord: { ids: [0, 1], total: TOTAL } });
      // NOTE: 18446744073709551615 >> 22 is 4398046511103, shard 3 of 4: not ours.
      expect(claimed.map((c) => (c.owner.kind === 'user' ? c.owner.user : c.owner.channel)).sort()).toEqual(['C-shard1', 'C-slack', 'U-dm']);
    } finally {
      await handle.close();
    }
  });
});
