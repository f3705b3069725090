// `paperboy serve --shards … --total-shards …`: a bad shard plan is refused with one friendly message (exit 1, as any mistake in the flags; no stack trace); two hosts each run their part of the shards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../adapters/cli/index.js';
import { manualStopSignal } from '../../src/serve.js';
import { BOT_ID, FakeDiscord, guildIdOnShard, unescape } from '../fakes/discord.js';
import { spawnPaperboy, until } from '../support/spawned.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-shard-flags-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function serve(flags: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const sink = new Writable({
    write: (c: Buffer, _e, cb) => {
      stderr += c.toString();
      cb();
    },
  });
  const stdin = Object.assign(Readable.from([]), { isTTY: false });
  const stop = manualStopSignal();
  const env0 = {
    PAPERBOY_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    PAPERBOY_LIVE: 'off',
    DISCORD_TOKEN: 'test-token.not-a-secret',
    DISCORD_APP_ID: '1100000000000000000',
  };
  const code = await main(['serve', ...flags], { stdin, stdout: sink, stderr: sink, env: { ...env0, ...env } }, { stopSignal: () => stop });
  return { code, stderr };
}

describe('serve shard flags', () => {
  it.each([
    [['--shards', '0-8', '--total-shards', '8'], /shard 8 is not one of the bot's 8 shards \(0-7\)/],
    [['--shards', '3-1', '--total-shards', '8'], /is not a list of shards.*e\.g\. --shards 0-3 --total-shards 8/],
    [['--shards', '0-3'], /say how many the bot has in all with --total-shards N/],
    [['--total-shards', '8'], /--total-shards needs --shards/],
    [['--shards', '0-3', '--total-shards', 'lots'], /--total-shards lots is not a shard count/],
  ])('serve %j is refused with a message that says what to write', async (flags, message) => {
    const { code, stderr } = await serve(flags);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stderr).not.toMatch(/test-token/);
  });
});

describe('two hosts, each running half of the shards', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('serve --shards 0 --total-shards 2 and --shards 1 --total-shards 2 each connect only their shard and answer in the guilds it holds', async () => {
    const guilds = [0, 1].map((k) => ({ id: guildIdOnShard(k), channels: [{ id: `15000000000000000${k}`, name: `half${k}` }] }));
    const discord = await new FakeDiscord(guilds).listen();
    cleanups.push(() => discord.close());
    // Both hosts on one SQLite file (several processes on one file), as on one machine; PostgreSQL works the same.
    const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-shard-hosts-'));
    cleanups.push(() => fs.rmSync(shared, { recursive: true, force: true }));
    const env = {
      PAPERBOY_DATA_DIR: shared,
      PAPERBOY_LIVE: 'off',
      DISCORD_TOKEN: 'test-token.not-a-secret',
      DISCORD_APP_ID: BOT_ID,
      DISCORD_API_URL: discord.apiUrl,
    };
    const hosts = [0, 1].map((k) => spawnPaperboy(['serve', '--shards', String(k), '--total-shards', '2'], env, cleanups));
    await until(() => hosts.every((h) => /discord connected/.test(h.out.stderr)));
    expect(discord.identified.map((i) => i.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    for (const h of hosts) expect(h.out.stderr).toMatch(/this host runs 1 of the bot's 2 Discord shards/);
    for (const g of guilds) {
      const { token } = discord.command('trending', { date: '2025-W40' }, { guildId: g.id, channelId: g.channels[0]?.id ?? '' });
      const answer = await discord.answer(token);
      expect(unescape(JSON.stringify(answer.body.embeds ?? []))).toMatch(/MEMTRACK/);
    }
    for (const h of hosts) h.child.kill('SIGTERM');
    for (const h of hosts) expect(await h.exited).toBe(0);
  }, 90_000);
});
