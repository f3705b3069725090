// PostgreSQL stopped and restarted under a running `serve` (real Bolt, fake Slack) and a writing `ingest`: commands get the apology, /healthz says 503 then 200, nothing is lost or sent twice.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APOLOGY } from '../../src/dispatch.js';
import { FAKE_TEAM, FakeSlack } from '../fakes/slack.js';
import { seenOf, signature } from '../adapters/slack/support.js';
import { findBindir, startCluster, type Cluster } from '../support/pgCluster.js';
import { writeSeedPages } from '../support/seedPages.js';
import { spawnPaperboy, until, type Spawned } from '../support/spawned.js';

const SECRET = 'restart-signing-secret-0123456789';
const USER = 'U0RESTART';
const CHANNEL = 'C0RESTART';
/** A word no seed paper holds: the ingest's papers are the only ones about it. */
const MARKER = 'quorvantic';
/** Papers the ingest writes while the server restarts: several batches of 500. */
const PAPERS = 2_000;

const cleanups: Array<() => Promise<void> | void> = [];
let cluster: Cluster;
let slack: FakeSlack;
let serve: Spawned;
let port = 0;
let healthPort = 0;
let seq = 0;

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port: p } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return p;
}

function tmpDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const env = (): Record<string, string> => ({ DATABASE_URL: cluster.url, PAPERBOY_LIVE: 'off', PAPERBOY_TIMEZONE: 'UTC', PAPERBOY_WORKERS: '1' });

/** The bodies posted to one response_url. */
function responsesTo(url: string): Array<Record<string, unknown>> {
  const id = url.slice(url.lastIndexOf('/') + 1);
  return slack.responses.filter((r) => r.id === id).map((r) => r.body);
}

/** A `/papers <text>` slash command, signed as Slack signs it; resolves with what the user saw first. */
async function slash(text: string): Promise<{ text: string }> {
  const responseUrl = slack.responseUrl();
  const payload = {
    token: 'unused',
    team_id: FAKE_TEAM,
    team_domain: 'fake',
    channel_id: CHANNEL,
    channel_name: 'restart',
    user_id: USER,
    user_name: 'restart',
    command: '/papers',
    text,
    api_app_id: 'A0FAKE',
    response_url: responseUrl,
    trigger_id: `trigger.${++seq}`,
  };
  const body = new URLSearchParams(payload).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature(SECRET, ts, body) },
    body,
  });
  expect(res.status).toBe(200);
  await res.text();
  await until(() => responsesTo(responseUrl).length > 0, 50);
  const first = responsesTo(responseUrl)[0] ?? {};
  return { text: seenOf(first, first.response_type !== 'in_channel').text };
}

/** Real-time polls of an async condition; the test's own timeout bounds it. */
async function eventually(cond: () => Promise<boolean>, everyMs: number): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, everyMs));
}

async function health(): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
  return { status: res.status, body: await res.text() };
}

/** Rows of a statement on the test's database (a connection of its own). */
async function query<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: cluster.url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** How many of the ingest's papers the database holds. */
async function stored(): Promise<number> {
  const rows = await query<{ n: string }>('SELECT count(*) AS n FROM papers WHERE title LIKE $1', [`${MARKER} paper %`]);
  return Number(rows[0]?.n ?? 0);
}

beforeAll(async () => {
  const bindir = findBindir();
  if (!bindir) throw new Error('This test starts its own PostgreSQL server: install PostgreSQL (Debian: apt-get install -y postgresql).');
  cluster = await startCluster(bindir);
  cleanups.push(() => cluster.stop());
  slack = await new FakeSlack().listen();
  cleanups.push(() => slack.close());
  port = await freePort();
  healthPort = await freePort();
  serve = spawnPaperboy(
    ['serve'],
    {
      ...env(),
      PAPERBOY_DATA_DIR: tmpDir('pb-restart-serve-'),
      SLACK_BOT_TOKEN: 'xoxb-restart-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_PORT: String(port),
      PAPERBOY_HEALTH_PORT: String(healthPort),
      SLACK_API_URL: slack.apiUrl,
    },
    cleanups,
  );
  await until(() => /adapter started/.test(serve.out.stderr), 100);
}, 60_000);

afterAll(async () => {
  serve?.child.kill('SIGTERM');
  await serve?.exited;
  for (const c of cleanups.splice(0).reverse()) await c();
}, 30_000);

describe('PostgreSQL stopped and restarted under a running serve', () => {
  it('while it is away a command gets the apology and /healthz is 503 naming the database; once back, 200 and commands answer again', async () => {
    const followed = await slash(`follow ${MARKER}`);
    expect(followed.text).toMatch(new RegExp(MARKER, 'i'));
    expect((await health()).status).toBe(200);

    cluster.pause();
    try {
      const during = await slash('following');
      expect(during.text).toContain(APOLOGY);
      const h = await health();
      expect(h.status).toBe(503);
      expect(h.body).toMatch(/PostgreSQL database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres \(DATABASE_URL\) does not answer/);
      expect(h.body).not.toContain(new URL(cluster.url).password);
    } finally {
      cluster.resume();
    }
    await eventually(async () => (await health()).status === 200, 200);
    expect((await slash('following')).text).toMatch(new RegExp(MARKER, 'i'));
    expect(serve.child.exitCode).toBeNull();
  }, 60_000);

  it('a restart while an ingest writes papers and commands arrive: every paper is stored, every command is answered, every paper is alerted once and each alert sent once', async () => {
    const pages = tmpDir('pb-restart-pages-');
    writeSeedPages(pages, MARKER, PAPERS);
    const ingest = spawnPaperboy(['ingest', '--seeds', pages], { ...env(), PAPERBOY_DATA_DIR: tmpDir('pb-restart-ingest-') }, cleanups);
    // Restart once the ingest has committed its first batch, so the restart falls in the middle of it.
    await eventually(async () => (await stored().catch(() => 0)) > 0, 20);
    const asked = Promise.all(['search attention', 'following', 'help', 'trending'].map((t) => slash(t)));
    cluster.restart();
    const answers = await asked;
    for (const a of answers) expect(a.text.length).toBeGreaterThan(0);

    const code = await ingest.exited;
    expect([code, ingest.out.stderr.split('\n').filter((l) => /level":(50|60)/.test(l))]).toEqual([0, []]);
    expect(await stored()).toBe(PAPERS);

    // Each of the ingest's papers is in exactly one alert (serve's planner may plan the batches stored before the
    // restart, the ingest the rest), and each alert is sent once, whether planned before, during or after the restart.
    await eventually(async () => {
      const rows = await query<{ status: string }>('SELECT status FROM follow_outbox');
      return rows.length > 0 && rows.every((r) => r.status === 'delivered');
    }, 200);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    const alerts = await query<{ papers: number; attempts: number }>('SELECT papers, attempts FROM follow_outbox');
    expect(alerts.reduce((n, a) => n + Number(a.papers), 0)).toBe(PAPERS);
    expect(Number((await query<{ n: string }>('SELECT count(*) AS n FROM follow_alerted'))[0]?.n)).toBe(PAPERS);
    expect(slack.directMessages()).toHaveLength(alerts.length);
    for (const dm of slack.directMessages()) expect([dm.user, JSON.stringify(dm.args)]).toEqual([USER, expect.stringContaining(MARKER)]);
  }, 120_000);
});
