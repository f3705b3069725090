// Sharding: the guild routing rule, and two shard clients against one fake gateway posting each guild's message once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordAdapter, shardForGuild, type DiscordAdapter } from '../../../adapters/discord/index.js';
import { parseShardsOption } from '../../../adapters/discord/sharding.js';
import type { App as Core } from '../../../src/app.js';
import { silentLogger } from '../../../src/logger.js';
import { FakeDiscord, guildIdOnShard, seenFrom, type MessageBody } from '../../fakes/discord.js';
import { createTestCore } from '../../support/core.js';
import { testConfig } from './harness.js';

describe('shardForGuild', () => {
  it('routes a guild by (guild_id >> 22) % shard_count', () => {
    // 41771983423143937 is the example snowflake in Discord's reference docs.
    const id = '41771983423143937';
    expect(shardForGuild(id, 1)).toBe(0);
    expect(shardForGuild(id, 2)).toBe(Number((41771983423143937n >> 22n) % 2n));
    expect(shardForGuild(id, 10)).toBe(Number((41771983423143937n >> 22n) % 10n));
    expect(shardForGuild(String(7n << 22n), 4)).toBe(3);
    expect(shardForGuild(String((7n << 22n) + 4194303n), 4)).toBe(3);
  });

  it('keeps full precision for ids beyond 2^53', () => {
    const id = '1300000000000000000';
    expect(shardForGuild(id, 16)).toBe(Number((1300000000000000000n >> 22n) % 16n));
  });

  it('sends DMs and non-snowflake ids to shard 0', () => {
    expect(shardForGuild('not-a-guild', 4)).toBe(0);
    expect(shardForGuild('', 4)).toBe(0);
  });

  it('parses --shards auto or a count and refuses anything else', () => {
    expect(parseShardsOption('auto')).toEqual({ ok: true, value: 'auto' });
    expect(parseShardsOption('2')).toEqual({ ok: true, value: 2 });
    expect(parseShardsOption('0').ok).toBe(false);
    expect(parseShardsOption('two').ok).toBe(false);
  });
});

describe('two shards against one gateway', () => {
  const guild0 = { id: guildIdOnShard(0), channels: [{ id: '130000000000000001', name: 'zero' }] };
  const guild1 = { id: guildIdOnShard(1), channels: [{ id: '130000000000000002', name: 'one' }] };
  let fake: FakeDiscord;
  let core: Core;
  const shards: DiscordAdapter[] = [];

  beforeAll(async () => {
    fake = await new FakeDiscord([guild0, guild1]).listen();
    fake.shardCount = 2;
    core = await createTestCore();
    for (const id of [0, 1]) {
      shards.push(
        createDiscordAdapter({
          config: testConfig(fake),
          dispatcher: core.dispatcher,
          logger: silentLogger,
          rest: { retries: 0 },
          client: { shards: [id], shardCount: 2 },
        }),
      );
    }
    await Promise.all(shards.map((s) => s.start()));
  });
  afterAll(async () => {
    for (const s of shards) await s.stop();
    await fake.close();
    await core.close();
  });

  it('each shard identifies as its own shard and holds only its guilds', () => {
    expect(shards.map((s) => [...s.client.guilds.cache.keys()])).toEqual([[guild0.id], [guild1.id]]);
  });

  it('a post for a guild is sent once, by the shard that holds it; the other shard refuses it as not sent, so no ledger records it posted', async () => {
    const reply = await core.dispatcher.run({ command: 'trending', input: { date: '2025-11-27' } });
    for (const g of [guild0, guild1]) {
      for (const s of shards) {
        const target = { channel: g.channels[0]?.id ?? '', guildId: g.id };
        if (s.holds?.(target)) await s.post(target, reply);
        else await expect(s.post(target, reply)).rejects.toMatchObject({ failure: 'transient', message: expect.stringMatching(/nothing was sent/) });
      }
    }
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    expect(posts.map((p) => p.path).sort()).toEqual([
      `/api/v10/channels/${guild0.channels[0]?.id}/messages`,
      `/api/v10/channels/${guild1.channels[0]?.id}/messages`,
    ]);
    expect(seenFrom(posts[0]?.body as MessageBody).titles.map((t) => t.slice(0, 4))).toEqual(['QJL:', 'KIVI']);
  });

  it("a command in the second shard's guild is answered", async () => {
    const { token } = fake.command('search', { query: 'kv cache' }, { guildId: guild1.id, channelId: guild1.channels[0]?.id ?? '' });
    const a = await fake.answer(token);
    expect(seenFrom(a.body).titles.some((t) => t.startsWith('KIVI'))).toBe(true);
  });
});
