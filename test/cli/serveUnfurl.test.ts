// The link-card check from outside: a spawned `paperboy serve` (Slack over HTTP, commands in pool workers) gets a signed
// link_shared, fetches the papers from a fake Hugging Face, makes one chat.unfurl, and `/papers paper <id>` then finds them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { FakeHf, recordedList } from '../fakes/hf.js';
import { FAKE_TEAM, FakeSlack } from '../fakes/slack.js';
import { signature } from '../adapters/slack/support.js';

const BIN = path.join(PROJECT_ROOT, 'bin/paperboy.js');
const SECRET = 'outside-check-signing-secret';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 25));
}

/** POSTs a body to serve's Slack endpoint, signed as Slack signs it (the real clock: serve checks the timestamp). */
async function signedPost(port: number, body: string, type: string): Promise<number> {
  const ts = String(Math.floor(Date.now() / 1000));
  const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': type, 'x-slack-request-timestamp': ts, 'x-slack-signature': signature(SECRET, ts, body) },
    body,
  });
  await res.text();
  return res.status;
}

describe('paperboy serve: link cards from outside', () => {
  it('a signed link_shared with an arXiv abs link (versioned), a huggingface.co link and an unknown one: one chat.unfurl, then /papers paper finds the paper', async () => {
    const slack = await new FakeSlack().listen();
    cleanups.push(() => slack.close());
    const hf = await new FakeHf().listen();
    cleanups.push(() => hf.close());
    hf.days.set('2026-06-12', recordedList());
    const port = await freePort();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-unfurl-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        PAPERBOY_DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        PAPERBOY_LIVE: 'off',
        HF_API_URL: hf.apiUrl,
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        SLACK_PORT: String(port),
      },
    });
    const out = { stderr: '' };
    child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    });
    await until(() => /adapter started/.test(out.stderr));

    const links = ['https://arxiv.org/abs/2608.09888v2', 'https://huggingface.co/papers/2606.13681', 'https://arxiv.org/abs/2601.99999'];
    const event = {
      token: 'unused',
      team_id: FAKE_TEAM,
      api_app_id: 'A0FAKE',
      type: 'event_callback',
      event_id: 'Ev0LINKS',
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: 'link_shared',
        channel: 'C0PAPERS',
        user: 'U0ADA',
        message_ts: '1765000000.000100',
        source: 'conversations_history',
        unfurl_id: 'C0PAPERS.1765000000.000100.x',
        event_ts: '1765000000.000100',
        links: links.map((url) => ({ domain: new URL(url).hostname, url })),
      },
    };
    expect(await signedPost(port, JSON.stringify(event), 'application/json')).toBe(200);
    await until(() => slack.unfurls.length > 0);
    expect(slack.unfurls).toHaveLength(1);
    expect(Object.keys(slack.unfurls[0]?.unfurls ?? {}).sort()).toEqual(links.slice(0, 2).sort());
    expect(JSON.stringify(slack.unfurls[0]?.unfurls[links[0] ?? ''])).toContain('BDH-CQ: In-Context Learning with Recurrent Latent Reasoning');
    expect(JSON.stringify(slack.unfurls[0]?.unfurls[links[1] ?? ''])).toContain('EvoArena');

    // The unknown paper alone: no unfurl, and nothing posted.
    const unknown = {
      ...event,
      event_id: 'Ev0UNKNOWN',
      event: { ...event.event, message_ts: '1765000001.000100', links: [{ domain: 'arxiv.org', url: links[2] }] },
    };
    expect(await signedPost(port, JSON.stringify(unknown), 'application/json')).toBe(200);
    await until(() => hf.requests.filter((r) => r.path === '/api/papers/2601.99999').length > 0);

    const responseUrl = slack.responseUrl();
    const slash = new URLSearchParams({
      command: '/papers',
      text: 'paper 2608.09888',
      user_id: 'U0ADA',
      channel_id: 'C0PAPERS',
      team_id: FAKE_TEAM,
      response_url: responseUrl,
      trigger_id: 't1',
    }).toString();
    expect(await signedPost(port, slash, 'application/x-www-form-urlencoded')).toBe(200);
    await until(() => slack.responses.length > 0);
    expect(JSON.stringify(slack.responses[0]?.body)).toContain('BDH-CQ: In-Context Learning with Recurrent Latent Reasoning');
    // Still one unfurl, and nothing was ever posted in the channel.
    expect(slack.unfurls).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
