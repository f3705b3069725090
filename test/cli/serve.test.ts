// `paperboy serve` as deployed: a spawned process that starts the configured adapters (not the console)
// against fake Slack and Discord servers on loopback, answers, and shuts down cleanly on SIGTERM.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { applicationKeys, BOT_ID, FakeDiscord, guildIdOnShard, unescape } from '../fakes/discord.js';
import { FakeSlack, FAKE_TEAM } from '../fakes/slack.js';

const BIN = path.join(PROJECT_ROOT, 'bin/paperboy.js');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function serve(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcessWithoutNullStreams; out: { stdout: string; stderr: string }; exited: Promise<number | null> } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-serve-'));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    // NOTE: no live ingest: these runs are about the adapters, and nothing in the tests may reach the internet.
    env: { PATH: process.env.PATH ?? '', PAPERBOY_DATA_DIR: dataDir, LOG_LEVEL: 'info', PAPERBOY_LIVE: 'off', ...env },
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return { child, out, exited };
}

/** Waits (bounded by the test timeout) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 25));
}

describe('paperboy serve', () => {
  it('with Slack and Discord configured starts both adapters, not the console, answers on each, and stops on SIGTERM', async () => {
    const slack = await new FakeSlack().listen();
    cleanups.push(() => slack.close());
    const guild = { id: guildIdOnShard(0), channels: [{ id: '110000000000000001', name: 'papers' }] };
    const discord = await new FakeDiscord([guild]).listen();
    cleanups.push(() => discord.close());

    const { child, out, exited } = serve([], {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_APP_TOKEN: 'xapp-test-token',
      SLACK_API_URL: slack.apiUrl,
      DISCORD_TOKEN: 'test-token.not-a-secret',
      DISCORD_APP_ID: BOT_ID,
      DISCORD_API_URL: discord.apiUrl,
    });
    await until(() => (out.stderr.match(/adapter started/g) ?? []).length === 2);

    const responseUrl = slack.responseUrl();
    await slack.sendEnvelope('slash_commands', {
      command: '/papers',
      text: 'search kv cache quantization',
      user_id: 'U0ADA',
      channel_id: 'C0PAPERS',
      team_id: FAKE_TEAM,
      response_url: responseUrl,
      trigger_id: 't1',
    });
    await until(() => slack.responses.length > 0);
    expect(JSON.stringify(slack.responses[0]?.body)).toMatch(/KV Cache/i);

    const { token } = discord.command('search', { query: 'kv cache quantization' }, { guildId: guild.id, channelId: '110000000000000001' });
    const answer = await discord.answer(token);
    expect(unescape(JSON.stringify(answer.body.embeds ?? []))).toMatch(/KV Cache/i);

    expect(out.stdout).not.toMatch(/paperboy console/);
    expect(out.stderr).not.toMatch(/xoxb-test-token|xapp-test-token|not-a-secret/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('when one platform cannot start, stops the others and exits naming the platform', async () => {
    const slack = await new FakeSlack().listen();
    cleanups.push(() => slack.close());
    const closed = await new FakeDiscord([]).listen();
    const deadUrl = closed.apiUrl;
    await closed.close();
    const { out, exited } = serve([], {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_APP_TOKEN: 'xapp-test-token',
      SLACK_API_URL: slack.apiUrl,
      DISCORD_TOKEN: 'test-token.not-a-secret',
      DISCORD_APP_ID: BOT_ID,
      DISCORD_API_URL: deadUrl,
    });
    expect(await exited).toBe(2);
    expect(out.stderr).toMatch(/Could not start Discord/);
    expect(out.stderr).not.toMatch(/not-a-secret/);
  });

  it('an unreachable Slack API fails start-up with a message instead of retrying silently', async () => {
    const closed = await new FakeSlack().listen();
    const deadUrl = closed.apiUrl;
    await closed.close();
    const { out, exited } = serve([], { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_APP_TOKEN: 'xapp-test-token', SLACK_API_URL: deadUrl });
    expect(await exited).toBe(2);
    expect(out.stderr).toMatch(/Could not start Slack/);
    expect(out.stderr).not.toMatch(/xoxb-test-token|xapp-test-token/);
  });

  it('with DISCORD_PUBLIC_KEY answers signed interactions on DISCORD_PORT over HTTP, with no gateway connection, and stops on SIGTERM', async () => {
    const guild = { id: guildIdOnShard(0), channels: [{ id: '110000000000000001', name: 'papers' }] };
    const discord = await new FakeDiscord([guild]).listen();
    cleanups.push(() => discord.close());
    const keys = applicationKeys();
    const port = await freePort();
    const { child, out, exited } = serve([], {
      DISCORD_TOKEN: 'test-token.not-a-secret',
      DISCORD_APP_ID: BOT_ID,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_PUBLIC_KEY: keys.publicKeyHex,
      DISCORD_PORT: String(port),
    });
    await until(() => out.stderr.includes('answering Discord interactions over HTTP'));
    discord.interactionsUrl = `http://127.0.0.1:${port}/discord/interactions`;
    discord.signingKey = keys.privateKey;
    const { token } = discord.command('trending', { date: '2025-W40' });
    const answer = await discord.answer(token);
    expect(unescape(JSON.stringify(answer.body.embeds ?? []))).toMatch(/MEMTRACK/);
    expect(discord.upgrades).toBe(0);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out.stderr).not.toContain('test-token.not-a-secret');
  }, 60_000);

  it('with --shards 2 runs one process per shard and each answers in the guilds it holds', async () => {
    const guilds = [0, 1].map((k) => ({ id: guildIdOnShard(k), channels: [{ id: `11000000000000000${k + 1}`, name: 'papers' }] }));
    const discord = await new FakeDiscord(guilds).listen();
    cleanups.push(() => discord.close());
    const { child, out, exited } = serve(['--shards', '2'], {
      DISCORD_TOKEN: 'test-token.not-a-secret',
      DISCORD_APP_ID: BOT_ID,
      DISCORD_API_URL: discord.apiUrl,
    });
    // Each shard process logs its connection once; the parent logs its own start after both.
    await until(() => (out.stderr.match(/discord connected/g) ?? []).length === 2);
    for (const g of guilds) {
      const { token } = discord.command('trending', { date: '2025-W40' }, { guildId: g.id, channelId: g.channels[0]?.id ?? '' });
      const answer = await discord.answer(token);
      expect(unescape(JSON.stringify(answer.body.embeds ?? []))).toMatch(/MEMTRACK/);
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});

/** A port nothing listens on now (asked of the OS, then released). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
