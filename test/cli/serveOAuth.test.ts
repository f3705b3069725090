// `serve` in Slack OAuth mode, as an operator runs it, on a fresh data dir against the fake Slack: two workspaces install, one uninstalls, posts go per workspace.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHf, recordedList } from '../fakes/hf.js';
import { FakeSlack } from '../fakes/slack.js';
import { seenOf, signature } from '../adapters/slack/support.js';
import { spawnPaperboy, until, type Spawned } from '../support/spawned.js';

const SECRET = 'oauth-serve-signing-secret-0123456789';
const ZONE = 'UTC';

const cleanups: Array<() => Promise<void> | void> = [];
let slack: FakeSlack;
let hf: FakeHf;
let serve: Spawned;
let port = 0;
let dataDir = '';
let seq = 0;

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port: p } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return p;
}

const origin = () => `http://127.0.0.1:${port}`;

async function postSigned(body: string, type: string): Promise<number> {
  const ts = String(Math.floor(Date.now() / 1000));
  const res = await fetch(`${origin()}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': type, 'x-slack-request-timestamp': ts, 'x-slack-signature': signature(SECRET, ts, body) },
    body,
  });
  await res.text();
  return res.status;
}

function responsesTo(url: string): Array<Record<string, unknown>> {
  const id = url.slice(url.lastIndexOf('/') + 1);
  return slack.responses.filter((r) => r.id === id).map((r) => r.body);
}

/** `/papers <text>` from a user of `team` in `channel`; resolves with the HTTP status and the response_url. */
async function slash(team: string, channel: string, text: string): Promise<{ status: number; responseUrl: string }> {
  const responseUrl = slack.responseUrl();
  const payload = {
    team_id: team,
    team_domain: team.toLowerCase(),
    channel_id: channel,
    channel_name: 'general',
    user_id: 'U0ALICE',
    command: '/papers',
    text,
    api_app_id: 'A0FAKE',
    response_url: responseUrl,
    trigger_id: `trigger.${++seq}`,
  };
  return { status: await postSigned(new URLSearchParams(payload).toString(), 'application/x-www-form-urlencoded'), responseUrl };
}

async function answered(team: string, channel: string, text: string): Promise<ReturnType<typeof seenOf>> {
  const { status, responseUrl } = await slash(team, channel, text);
  expect(status).toBe(200);
  await until(() => responsesTo(responseUrl).length > 0);
  const msg = responsesTo(responseUrl)[0] ?? {};
  return seenOf(msg, msg.response_type !== 'in_channel');
}

async function beginInstall(): Promise<{ status: number; location: string; state: string; cookie: string }> {
  const res = await fetch(`${origin()}/slack/install`, { redirect: 'manual' });
  await res.text();
  const location = res.headers.get('location') ?? '';
  return {
    status: res.status,
    location,
    state: new URL(location, origin()).searchParams.get('state') ?? '',
    cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
  };
}

async function redirect(code: string, state: string, cookie: string): Promise<{ status: number; page: string }> {
  const res = await fetch(`${origin()}/slack/oauth_redirect?${new URLSearchParams({ code, state }).toString()}`, { headers: { cookie } });
  return { status: res.status, page: await res.text() };
}

beforeAll(async () => {
  slack = await new FakeSlack().listen();
  cleanups.push(() => slack.close());
  hf = await new FakeHf().listen();
  cleanups.push(() => hf.close());
  hf.days.set('2026-06-12', recordedList());
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-serve-oauth-'));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  port = await freePort();
  serve = spawnPaperboy(
    ['serve'],
    {
      PAPERBOY_DATA_DIR: dataDir,
      PAPERBOY_LIVE: 'off',
      PAPERBOY_TIMEZONE: ZONE,
      PAPERBOY_WORKERS: '1',
      SLACK_CLIENT_ID: slack.oauthClient.id,
      SLACK_CLIENT_SECRET: slack.oauthClient.secret,
      SLACK_STATE_SECRET: 'oauth-serve-state-secret-0123456789',
      SLACK_SIGNING_SECRET: SECRET,
      PAPERBOY_SECRET_KEY: randomBytes(32).toString('base64'),
      SLACK_PORT: String(port),
      SLACK_API_URL: slack.apiUrl,
      HF_API_URL: hf.apiUrl,
    },
    cleanups,
  );
  await until(() => /adapter started/.test(serve.out.stderr) || serve.child.exitCode !== null, 100);
  expect(serve.child.exitCode, serve.out.stderr).toBeNull();
}, 60_000);

afterAll(async () => {
  serve?.child.kill('SIGTERM');
  await serve?.exited;
  for (const c of cleanups.splice(0).reverse()) await c();
}, 30_000);

describe('serve in Slack OAuth mode on a fresh data dir', () => {
  it('the install flow, two workspaces, an uninstall, and posts and link cards that go only to the installed workspace with its own token', async () => {
    // /slack/install → Slack's authorize URL with a state.
    const first = await beginInstall();
    expect(first.status).toBe(302);
    expect(first.location).toMatch(/\/oauth\/v2\/authorize\?/);
    expect(first.state).not.toBe('');

    // The callback with codes for T2 and T3, each exchanged once; a forged state refused.
    slack.oauthCodes.set('code-T2', { team: 'T2' });
    slack.oauthCodes.set('code-T3', { team: 'T3' });
    expect(await redirect('code-T2', first.state, first.cookie)).toMatchObject({ status: 200, page: expect.stringContaining('paperboy is installed') });
    const second = await beginInstall();
    expect((await redirect('code-T3', second.state, second.cookie)).status).toBe(200);
    const forged = `${'A'.repeat(32)}.${'B'.repeat(43)}`;
    slack.oauthCodes.set('code-T4', { team: 'T4' });
    expect(await redirect('code-T4', forged, `slack-app-oauth-state=${forged}`)).toMatchObject({
      status: 400,
      page: expect.stringContaining('cannot be used'),
    });
    expect(slack.callsTo('oauth.v2.access').map((c) => c.args.code)).toEqual(['code-T2', 'code-T3']);
    const tokenOf = (team: string) => [...slack.teamTokens].find(([, t]) => t === team)?.[0] ?? 'missing';

    // A search from T2 answered.
    expect((await answered('T2', 'C0TWO', 'search attention')).titles.length).toBeGreaterThan(0);

    // A paper link shared in T2 unfolds with one chat.unfurl made with T2's token.
    const link = 'https://arxiv.org/abs/2606.13681v2';
    const linkShared = JSON.stringify({
      team_id: 'T2',
      api_app_id: 'A0FAKE',
      type: 'event_callback',
      event_id: 'Ev0LINK',
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: 'link_shared',
        channel: 'C0TWO',
        user: 'U0ALICE',
        message_ts: '1764000000.000200',
        source: 'conversations_history',
        unfurl_id: 'C0TWO.1764000000.000200.x',
        event_ts: '1764000000.000200',
        links: [{ domain: 'arxiv.org', url: link }],
      },
    });
    expect(await postSigned(linkShared, 'application/json')).toBe(200);
    await until(() => slack.unfurls.length > 0);
    expect(slack.callsTo('chat.unfurl').map((c) => [c.token === tokenOf('T2') ? 'T2 token' : 'other token', c.args.channel])).toEqual([['T2 token', 'C0TWO']]);
    expect(JSON.stringify(slack.unfurls[0]?.unfurls[link])).toContain('EvoArena');

    // Subscriptions in T2's and T3's channels, due at the next whole minute at least 5 s away.
    const due = new Date(Math.ceil((Date.now() + 5_000) / 60_000) * 60_000);
    const hhmm = due.toISOString().slice(11, 16);
    expect((await answered('T2', 'C0TWO', `subscribe trending ${hhmm} ${ZONE} top 2`)).text).toMatch(/every day at/);
    expect((await answered('T3', 'C0THREE', `subscribe trending ${hhmm} ${ZONE} top 2`)).text).toMatch(/every day at/);

    // T3 uninstalls.
    const body = JSON.stringify({
      team_id: 'T3',
      api_app_id: 'A0FAKE',
      type: 'event_callback',
      event_id: 'Ev0UNINSTALL',
      event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_uninstalled', event_ts: '1764000000.000100' },
    });
    expect(await postSigned(body, 'application/json')).toBe(200);
    await until(() => /Slack workspace removed/.test(serve.out.stderr), 50);

    // At the slot: one post to T2's channel with T2's token, none to T3's.
    await until(() => Date.now() > due.getTime() && slack.postsIn('C0TWO').length > 0, 100);
    await until(() => /T3:C0THREE/.test(serve.out.stderr.split('posting to Slack failed').slice(1).join('')), 100);
    const posts = slack.callsTo('chat.postMessage');
    expect(posts.map((p) => [p.token === tokenOf('T2') ? 'T2 token' : 'other token', p.args.channel])).toEqual([['T2 token', 'C0TWO']]);
    expect(slack.postsIn('C0THREE')).toEqual([]);

    // A command from a workspace that never installed leaves serve answering.
    expect((await slash('T9', 'C0NINE', 'search attention')).status).toBe(200);
    expect((await answered('T2', 'C0TWO', 'search attention')).titles.length).toBeGreaterThan(0);
    expect(serve.child.exitCode).toBeNull();

    // No plain token anywhere in the data dir, and none in the logs.
    const tokens = [tokenOf('T2'), tokenOf('T3')];
    const files = fs.readdirSync(dataDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(f.parentPath, f.name));
      for (const t of tokens) expect(bytes.includes(Buffer.from(t)), `${f.name} holds a token`).toBe(false);
    }
    expect(serve.out.stderr).not.toContain('xoxb-');
  }, 120_000);
});
