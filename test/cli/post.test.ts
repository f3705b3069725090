// `paperboy post trending` from cron, in-process against the fake Slack and fake Discord: one post per list, a second run posts nothing and exits 0.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../adapters/cli/index.js';
import type { Clock } from '../../src/ports.js';
import { BOT_ID, FakeDiscord } from '../fakes/discord.js';
import { FakeSlack } from '../fakes/slack.js';
import { sink } from '../support/streams.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const clock: Clock = { now: () => new Date('2026-12-02T15:00:00Z') };

async function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const stdin = Object.assign(Readable.from([]), { isTTY: false });
  const code = await main(args, { stdin, stdout, stderr, env: { LOG_LEVEL: 'silent', ...env } }, { clock });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-post-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('paperboy post trending', () => {
  it('posts the newest list to a Slack channel once; a second identical run posts nothing and exits 0', async () => {
    const slack = await new FakeSlack().listen();
    cleanups.push(() => slack.close());
    const env = {
      PAPERBOY_DATA_DIR: dataDir(),
      SLACK_BOT_TOKEN: 'xoxb-test-token-123456',
      SLACK_APP_TOKEN: 'xapp-test-token-123456',
      SLACK_API_URL: slack.apiUrl,
    };
    const args = ['post', 'trending', '--platform', 'slack', '--channel', 'C0CRON', '--top', '3'];

    const first = await run(args, env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const date = /Posted the (\d{4}-\d{2}-\d{2}) trending list \(top 3\) to slack channel C0CRON\./.exec(first.stdout)?.[1];
    expect(date).toBeDefined();
    const posts = slack.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.args.channel).toBe('C0CRON');
    expect(JSON.stringify(posts[0]?.args.blocks)).toContain(`Trending on ${date ?? ''}`);
    // Post-only: no Socket Mode connection was opened.
    expect(slack.callsTo('apps.connections.open')).toHaveLength(0);

    const second = await run(args, env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`The ${date ?? ''} trending list was already posted to slack channel C0CRON .*; nothing was posted\\.`));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('a Discord channel the bot may not post in fails with the permissions hint and exit code 1', async () => {
    const channel = '110000000000000009';
    const discord = await new FakeDiscord([{ id: '100000000000000001', channels: [{ id: channel, name: 'locked' }] }]).listen();
    cleanups.push(() => discord.close());
    discord.refusedChannels.set(channel, { status: 403, code: 50001, message: 'Missing Access' });
    const env = { PAPERBOY_DATA_DIR: dataDir(), DISCORD_TOKEN: 'test-token.not-a-secret', DISCORD_APP_ID: BOT_ID, DISCORD_API_URL: discord.apiUrl };
    const r = await run(['post', 'trending', '--platform', 'discord', '--channel', channel], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Could not post to discord channel 110000000000000009: .*Missing Access[\s\S]*View Channel and Send Messages/);
    // One attempt: a refusal is not retried.
    expect(discord.requests.filter((q) => q.method === 'POST' && q.path.endsWith(`/channels/${channel}/messages`))).toHaveLength(1);
    // Not done: once the bot may post there, the next run posts the list.
    discord.refusedChannels.delete(channel);
    const again = await run(['post', 'trending', '--platform', 'discord', '--channel', channel], env);
    expect([again.code, again.stdout]).toEqual([0, expect.stringMatching(/^Posted the \d{4}-\d{2}-\d{2} trending list \(top 10\) to discord channel/)]);
    expect(discord.requests.filter((q) => q.method === 'POST' && q.path.endsWith(`/channels/${channel}/messages`))).toHaveLength(2);
  });

  it('refuses a missing platform or channel clearly', async () => {
    const r = await run(['post', 'trending', '--channel', 'C1'], { PAPERBOY_DATA_DIR: dataDir() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Give --platform slack or --platform discord/);
    const s = await run(['post', 'trending', '--platform', 'slack', '--channel', 'C1'], { PAPERBOY_DATA_DIR: dataDir() });
    expect(s.stderr).toMatch(/Posting to Slack needs SLACK_BOT_TOKEN/);
    // A platform that is not configured is the environment, not the request: exit code 2.
    expect(s.code).toBe(2);
  });
});
