// Several hosts on one PostgreSQL database: two `serve` replicas (Slack HTTP mode, the real Bolt, each its own empty data dir) and a third process that ingests, against the fake Slack.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_TEAM, FakeSlack } from '../fakes/slack.js';
import { buttons, seenOf, signature } from '../adapters/slack/support.js';
import { freshDatabase, type FreshDatabase } from '../support/postgres.js';
import { writeSeedPages } from '../support/seedPages.js';
import { spawnPaperboy, until, type Spawned } from '../support/spawned.js';

const SECRET = 'multi-host-signing-secret-0123456789';
const USER = 'U0MULTI';
const CHANNEL = 'C0MULTI';
const ZONE = 'UTC';
/** A word no seed paper holds: the paper the third process ingests is the only one about it. */
const MARKER = 'zorblaxian';

const cleanups: Array<() => Promise<void> | void> = [];
let slack: FakeSlack;
let db: FreshDatabase;
const replicas: Record<'A' | 'B', { proc: Spawned; port: number; healthPort: number }> = {} as never;
let seq = 0;

/** A port nothing listens on now (the replica binds it a moment later). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function tmpDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Environment every process shares: one database, the fake Slack, no live ingest, UTC. */
function sharedEnv(): Record<string, string> {
  return { DATABASE_URL: db.url, PAPERBOY_LIVE: 'off', PAPERBOY_TIMEZONE: ZONE, PAPERBOY_WORKERS: '1' };
}

async function startReplica(name: 'A' | 'B'): Promise<void> {
  const port = await freePort();
  const healthPort = await freePort();
  const proc = spawnPaperboy(
    ['serve'],
    {
      ...sharedEnv(),
      PAPERBOY_DATA_DIR: tmpDir(`pb-multihost-${name}-`),
      SLACK_BOT_TOKEN: 'xoxb-multihost-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_PORT: String(port),
      PAPERBOY_HEALTH_PORT: String(healthPort),
      SLACK_API_URL: slack.apiUrl,
    },
    cleanups,
  );
  replicas[name] = { proc, port, healthPort };
}

/** POSTs a signed Slack request to a replica, as Slack would. */
async function postSigned(name: 'A' | 'B', body: string): Promise<void> {
  const ts = String(Math.floor(Date.now() / 1000));
  const res = await fetch(`http://127.0.0.1:${replicas[name].port}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature(SECRET, ts, body) },
    body,
  });
  expect(res.status).toBe(200);
  await res.text();
}

/** The bodies posted to one response_url. */
function responsesTo(url: string): Array<Record<string, unknown>> {
  const id = url.slice(url.lastIndexOf('/') + 1);
  return slack.responses.filter((r) => r.id === id).map((r) => r.body);
}

/** A `/papers <text>` slash command sent to one replica; resolves with the first answer posted to its response_url. */
async function slash(name: 'A' | 'B', text: string): Promise<Record<string, unknown>> {
  const responseUrl = slack.responseUrl();
  const payload = {
    token: 'unused',
    team_id: FAKE_TEAM,
    team_domain: 'fake',
    channel_id: CHANNEL,
    channel_name: 'multi',
    user_id: USER,
    user_name: 'multi',
    command: '/papers',
    text,
    api_app_id: 'A0FAKE',
    response_url: responseUrl,
    trigger_id: `trigger.${++seq}`,
  };
  await postSigned(name, new URLSearchParams(payload).toString());
  await until(() => responsesTo(responseUrl).length > 0);
  return responsesTo(responseUrl)[0] ?? {};
}

/** A click on a button of an ephemeral answer, sent to one replica; resolves with the answer. */
async function click(name: 'A' | 'B', button: { action_id: string; value?: string }): Promise<Record<string, unknown>> {
  const responseUrl = slack.responseUrl();
  const payload = {
    type: 'block_actions',
    user: { id: USER, username: 'multi', team_id: FAKE_TEAM },
    api_app_id: 'A0FAKE',
    token: 'unused',
    container: { type: 'message', message_ts: '1764000000.000100', channel_id: CHANNEL, is_ephemeral: true },
    trigger_id: `trigger.${++seq}`,
    team: { id: FAKE_TEAM, domain: 'fake' },
    channel: { id: CHANNEL, name: 'multi' },
    response_url: responseUrl,
    actions: [
      {
        type: 'button',
        action_id: button.action_id,
        block_id: 'pager',
        ...(button.value !== undefined ? { value: button.value } : {}),
        action_ts: '1764000001.000000',
      },
    ],
  };
  await postSigned(name, new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  await until(() => responsesTo(responseUrl).length > 0);
  return responsesTo(responseUrl)[0] ?? {};
}

/** The next scheduled post a replica's scheduler knows of (from the subscriptions its last look read), from its /healthz. */
async function nextPost(name: 'A' | 'B'): Promise<{ at: string; channel: string } | null> {
  const res = await fetch(`http://127.0.0.1:${replicas[name].healthPort}/healthz`);
  const body = (await res.json()) as { nextPost: { at: string; channel: string } | null };
  return body.nextPost;
}

/** Real-time polls of an async condition; the test's own timeout bounds it. */
async function eventually(cond: () => Promise<boolean>, everyMs = 250): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, everyMs));
}

/** The messages of JSON log lines at level error (50) or above. */
const errorLines = (stderr: string): string[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level >= 50)
    .map((l) => l.msg);

const seen = (msg: Record<string, unknown>) => seenOf(msg, msg.response_type !== 'in_channel');

beforeAll(async () => {
  slack = await new FakeSlack().listen();
  cleanups.push(() => slack.close());
  db = await freshDatabase();
  cleanups.push(() => db.drop());
  await Promise.all([startReplica('A'), startReplica('B')]);
  await until(() => (['A', 'B'] as const).every((n) => /adapter started/.test(replicas[n].proc.out.stderr)), 100);
}, 45_000);

afterAll(async () => {
  for (const n of ['A', 'B'] as const) replicas[n]?.proc.child.kill('SIGTERM');
  await Promise.all((['A', 'B'] as const).map((n) => replicas[n]?.proc.exited));
  for (const c of cleanups.splice(0).reverse()) await c();
}, 30_000);

describe('two serve replicas and an ingest process on one PostgreSQL database', () => {
  /** The minute the subscription made through A is due (UTC), set by the first test. */
  let due = new Date(0);

  it('a subscription made through replica A is listed by replica B', async () => {
    // NOTE: the next whole minute at least 5 s away, so the subscription is older than its first run.
    due = new Date(Math.ceil((Date.now() + 5_000) / 60_000) * 60_000);
    const hhmm = due.toISOString().slice(11, 16);
    const made = seen(await slash('A', `subscribe trending ${hhmm} ${ZONE} top 2`));
    expect(made.text).toMatch(new RegExp(`every day at ${hhmm} ${ZONE}`));
    const listed = seen(await slash('B', 'subscriptions'));
    expect(listed.text).toMatch(new RegExp(`${hhmm} ${ZONE}`));
  }, 20_000);

  it('a More button rendered by replica A and clicked on replica B shows the next page', async () => {
    const first = await slash('A', 'search attention');
    const page1 = seen(first);
    expect(page1.range).toMatchObject({ first: 1, last: 5 });
    const more = buttons(first.blocks).find((b) => b.label === 'More');
    expect(more).toBeDefined();
    const next = seen(await click('B', more ?? { action_id: 'none' }));
    expect(next.range).toMatchObject({ first: 6, last: 10, total: page1.range?.total });
    expect(next.titles.filter((t) => page1.titles.includes(t))).toEqual([]);
  }, 20_000);

  it('a follow made on replica B, then a paper ingested by a third process: the paper is found on A and B, and the follower gets one DM', async () => {
    const followed = seen(await slash('B', `follow ${MARKER}`));
    expect(followed.text).toMatch(new RegExp(MARKER, 'i'));

    const pages = tmpDir('pb-multihost-pages-');
    const [title] = writeSeedPages(pages, MARKER, 1);
    const ingest = spawnPaperboy(['ingest', '--seeds', pages], { ...sharedEnv(), PAPERBOY_DATA_DIR: tmpDir('pb-multihost-C-') }, cleanups);
    expect([await ingest.exited, ingest.out.stderr, ingest.out.stdout]).toEqual([0, expect.anything(), expect.anything()]);

    for (const name of ['A', 'B'] as const) {
      let found = false;
      const deadline = Date.now() + 10_000;
      while (!found && Date.now() < deadline) {
        found = seen(await slash(name, `search ${MARKER}`)).titles.includes(title ?? '');
        if (!found) await new Promise((r) => setTimeout(r, 250));
      }
      expect(found, `replica ${name} finds the ingested paper within 10 s`).toBe(true);
    }

    // NOTE: the ingest's plan NOTIFYs both replicas, which look at the alert outbox at once (not at their 30 s poll); the last test counts the DMs once both have stopped.
    await until(() => slack.directMessages().length > 0, 100);
    const [dm] = slack.directMessages();
    expect(dm?.user).toBe(USER);
    expect(JSON.stringify(dm?.args)).toContain(MARKER);
    // NOTE: bounded by an ingest process's start and the searches' 10 s each, not by the outbox poll; 45 s keeps it clear on a busy machine.
  }, 45_000);

  it('the subscription made through A is posted exactly once by A and B together when due, and the follow alert was sent once', async () => {
    // Each scheduler re-reads the subscriptions at least every minute: once both know this one, both try its run.
    for (const name of ['A', 'B'] as const) await eventually(async () => (await nextPost(name))?.channel === CHANNEL);
    await until(() => Date.now() > due.getTime() && slack.postsIn(CHANNEL).length > 0, 100);
    // Both stop: a post either had under way is finished (or given back) before it exits.
    for (const name of ['A', 'B'] as const) replicas[name].proc.child.kill('SIGTERM');
    expect(await Promise.all([replicas.A.proc.exited, replicas.B.proc.exited])).toEqual([0, 0]);
    const posts = slack.postsIn(CHANNEL);
    expect(posts).toHaveLength(1);
    expect(String(posts[0]?.text)).toMatch(/^Trending on \d{4}-\d{2}-\d{2}/);
    // Both replicas were woken for the alert: one claimed and sent it.
    expect(slack.directMessages()).toHaveLength(1);
    for (const name of ['A', 'B'] as const) expect(errorLines(replicas[name].proc.out.stderr), `replica ${name} logged no error`).toEqual([]);
  }, 90_000);
});
