// Follows end to end in the core: the commands, the alert planner's threshold and ledger, and the outbox delivery job.
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { createApp, type App } from '../../src/app.js';
import { AlertDelivery, KEEP_DONE_MS, LEASE_MS, POLL_MS } from '../../src/follows/delivery.js';
import { DeliveryError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import type { Paper } from '../../src/papers/model.js';
import type { Caller } from '../../src/ports.js';
import type { Reply } from '../../src/reply.js';
import { PostgresSql } from '../../src/store/postgresSql.js';
import { openStore } from '../../src/store/sqlite.js';
import { createTestCore, FakeClock } from '../support/core.js';
import { ManualTicker, paper, RecordingAdapter } from './support.js';

const ALICE: Caller = { platform: 'slack', user: 'U0ALICE', channel: 'C0GENERAL' };
const BOB: Caller = { platform: 'slack', user: 'U0BOB', channel: 'C0GENERAL' };

const KV_NEW = paper('2512.00001', 'Evicting Tokens from the KV Cache Under Memory Pressure', 'We evict tokens when memory runs short.', 5);
const KV_NEW_2 = paper('2512.00002', 'Paged KV Cache Sharing for Serving', 'Pages are shared between requests.', 9);
const PASSING = paper(
  '2512.00003',
  'Vision Transformers at Scale',
  'We train vision transformers on images; unlike language models, they need no kv cache.',
  50,
);
const SPEC_FULL = paper(
  '2512.00004',
  'Draft Trees for Faster Language Models',
  'Speculative decoding drafts tokens cheaply. Our speculative verifier makes decoding of long drafts exact.',
  3,
);
const SPEC_HALF = paper('2512.00005', 'Decoding Strategies Compared', 'Greedy decoding and beam search decoding are compared on translation.', 3);

const text = (r: Reply) => (r.kind === 'text' ? [r.title ?? '', ...r.lines].join('\n') : r.kind === 'error' ? [r.message, ...r.hints].join('\n') : '');

/** Ingests as a later run would: the clock moves first (so search sees the papers as a new change). */
async function ingest(app: App, clock: FakeClock, papers: Paper[]): Promise<void> {
  clock.advance(1_000);
  await app.library.ingest(papers);
}

/** A test core on its own fake clock (2025-11-28 12:00 UTC). */
async function core(): Promise<{ app: App; clock: FakeClock }> {
  const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
  return { app: await createTestCore({ clock }), clock };
}

async function run(app: App, line: string, caller: Caller = ALICE): Promise<Reply> {
  return app.dispatcher.runText(line, caller);
}

function follows(app: App) {
  const f = app.follows;
  if (!f) throw new Error('the test app has no follow store');
  return f;
}

describe('follow, following, unfollow', () => {
  it('a follow is listed with its id and unfollow removes it', async () => {
    const app = await createTestCore();
    const added = await run(app, 'follow kv cache');
    expect(text(added)).toMatch(/^Following "kv cache" \(id 1\)/);
    expect(added.visibility).toBe('ephemeral');
    await run(app, 'follow speculative decoding');
    expect(text(await run(app, 'following'))).toMatch(/You follow 2 of at most 25 topics\n1: kv cache \(since 2025-11-27\)\n2: speculative decoding/);
    expect(text(await run(app, 'unfollow 1'))).toMatch(/Stopped following "kv cache"/);
    const left = text(await run(app, 'following'));
    expect(left).not.toMatch(/kv cache/);
    expect(left).toMatch(/2: speculative decoding/);
  });

  it('the 26th follow is refused with the limit, and nothing is added', async () => {
    const app = await createTestCore();
    for (let i = 1; i <= 25; i++) expect((await run(app, `follow topic${i} models`)).kind).toBe('text');
    const over = await run(app, 'follow one more topic');
    expect(over.kind).toBe('error');
    expect(text(over)).toMatch(/You follow 25 topics, the most one user may follow \(25\)/);
    expect(text(over)).toMatch(/unfollow <id>/);
    expect(await follows(app).list('slack', { kind: 'user', user: 'U0ALICE' })).toHaveLength(25);
    // The limit is per user: another user still may.
    expect((await run(app, 'follow one more topic', BOB)).kind).toBe('text');
  });

  it.each(['the', '???', 'of the and'])('a topic with no real words (%s) says so', async (topic) => {
    const app = await createTestCore();
    const reply = await run(app, `follow ${topic}`);
    expect(reply).toMatchObject({ kind: 'error', visibility: 'ephemeral' });
    expect(text(reply)).toMatch(/has no words I can follow/);
    expect(await follows(app).list('slack', { kind: 'user', user: 'U0ALICE' })).toEqual([]);
  });

  it('an empty follow asks for a topic', async () => {
    const reply = await run(await createTestCore(), 'follow   ');
    expect(reply.kind).toBe('error');
    expect(text(reply)).toMatch(/name a topic to follow/i);
  });

  it('a duplicate, even spelt differently, says it is already followed', async () => {
    const app = await createTestCore();
    await run(app, 'follow kv cache');
    await run(app, 'follow speculative decoding');
    const again = await run(app, 'follow Speculative   Decoders');
    expect(again.kind).toBe('error');
    expect(text(again)).toMatch(/You already follow "speculative decoding" \(id 2\)/);
    expect(text(await run(app, 'follow KV cache'))).toMatch(/already follow "kv cache" \(id 1\)/);
    expect(text(await run(app, 'follow KV caches'))).toMatch(/already follow "kv cache" \(id 1\)/);
  });

  it("unfollow with an unknown id, or someone else's, removes nothing", async () => {
    const app = await createTestCore();
    await run(app, 'follow kv cache');
    for (const id of ['7', 'abc']) {
      const reply = await run(app, `unfollow ${id}`);
      expect(reply.kind).toBe('error');
      expect(text(reply)).toMatch(/You have no follow with id "/);
    }
    expect(text(await run(app, 'unfollow 1', BOB))).toMatch(/You have no follow with id "1"/);
    expect(await follows(app).list('slack', { kind: 'user', user: 'U0ALICE' })).toHaveLength(1);
  });

  it('follows need a chat user: the CLI gets a friendly refusal', async () => {
    const reply = await run(await createTestCore(), 'follow kv cache', { platform: 'cli', optionStyle: 'flag' });
    expect(reply.kind).toBe('error');
    expect(text(reply)).toMatch(/work in Slack and Discord only/);
  });

  it('follow autocompletes topic names like topic does', async () => {
    const app = await createTestCore();
    const offered = await app.dispatcher.complete('follow', 'topic', 'kv');
    expect(offered.map((c) => c.value)).toContain('kv cache');
    expect(offered).toEqual(await app.dispatcher.complete('topic', 'topic', 'kv'));
  });

  it('a topic with search filters is refused', async () => {
    const reply = await run(await createTestCore(), 'follow kv cache since:2025');
    expect(text(reply)).toMatch(/has search filters/);
  });
});

/** The alerts recorded so far, with their papers' titles. */
async function alerts(app: App) {
  return (await follows(app).outbox()).map((o) => ({
    owner: o.owner,
    titles: o.reply.kind === 'papers' ? o.reply.cards.map((c) => c.title) : [],
    reply: o.reply,
  }));
}

describe('alert planner', () => {
  it('new papers matching a follow become one alert per follower, naming each paper with its link', async () => {
    const { app, clock } = await core();
    await run(app, 'follow kv cache');
    await run(app, 'follow kv cache', BOB);
    await ingest(app, clock, [KV_NEW, KV_NEW_2]);
    const got = await alerts(app);
    expect(got.map((a) => a.owner)).toEqual([
      { kind: 'user', user: 'U0ALICE' },
      { kind: 'user', user: 'U0BOB' },
    ]);
    const [first] = got;
    expect(first?.titles).toEqual([KV_NEW_2.title, KV_NEW.title]);
    expect(first?.reply).toMatchObject({ kind: 'papers', title: 'New papers on kv cache', total: 2, visibility: 'public' });
    expect(first?.reply.kind === 'papers' && first.reply.cards.map((c) => c.url)).toEqual([
      'https://huggingface.co/papers/2512.00002',
      'https://huggingface.co/papers/2512.00001',
    ]);
  });

  it("an alert says how to stop it where it arrives: unfollow in a user's DM, unsubscribe in a subscribed channel", async () => {
    const { app, clock } = await core();
    await run(app, 'follow kv cache');
    if (!app.follows) throw new Error('a SQLite app has follows');
    await app.follows.add('slack', { kind: 'channel', channel: 'C0PAPERS' }, 'kv cache');
    await ingest(app, clock, [KV_NEW]);
    const notices = Object.fromEntries((await alerts(app)).map((a) => [a.owner.kind, a.reply.kind === 'papers' ? a.reply.notice : '']));
    expect(notices.user).toMatch(/^You follow kv cache \(id \w+\); `unfollow <id>` stops these alerts\.$/);
    expect(notices.channel).toMatch(/^This channel is subscribed to kv cache \(id \w+\); `unsubscribe <id>` here stops these alerts\.$/);
  });

  it('a paper is alerted once: re-ingesting it or refreshing its upvotes alerts no one again', async () => {
    const { app, clock } = await core();
    await run(app, 'follow kv cache');
    await ingest(app, clock, [KV_NEW]);
    await ingest(app, clock, [KV_NEW]);
    await ingest(app, clock, [{ ...KV_NEW, upvotes: 99 }]);
    expect((await alerts(app)).map((a) => a.titles)).toEqual([[KV_NEW.title]]);
  });

  it('papers stored before the follow never alert, even when an update touches them', async () => {
    const { app, clock } = await core();
    await ingest(app, clock, [KV_NEW]);
    await run(app, 'follow kv cache');
    await ingest(app, clock, [{ ...KV_NEW, upvotes: 42 }, KV_NEW_2]);
    expect((await alerts(app)).map((a) => a.titles)).toEqual([[KV_NEW_2.title]]);
  });

  it('a passing mention is below the threshold; a paper about the topic is above it', async () => {
    const { app, clock } = await core();
    await run(app, 'follow kv cache');
    await run(app, 'follow speculative decoding', BOB);
    await ingest(app, clock, [PASSING, SPEC_HALF, SPEC_FULL, KV_NEW]);
    const got = await alerts(app);
    // kv cache: in KV_NEW's title (above); once in PASSING's abstract (below).
    expect(got.find((a) => a.owner.kind === 'user' && a.owner.user === 'U0ALICE')?.titles).toEqual([KV_NEW.title]);
    // speculative decoding: both words twice in SPEC_FULL (above); only "decoding" in SPEC_HALF (below).
    expect(got.find((a) => a.owner.kind === 'user' && a.owner.user === 'U0BOB')?.titles).toEqual([SPEC_FULL.title]);
  });

  it('a paper matching two follows of one user is in one alert, once, headed by both topics', async () => {
    const { app, clock } = await core();
    await run(app, 'follow kv cache');
    await run(app, 'follow token eviction');
    await ingest(app, clock, [KV_NEW]);
    const got = await alerts(app);
    expect(got).toHaveLength(1);
    expect(got[0]?.titles).toEqual([KV_NEW.title]);
    expect(got[0]?.reply.kind === 'papers' && got[0].reply.title).toBe('New papers on kv cache, token eviction');
  });

  it('papers stored by an ingest killed before planning are planned by the next plan, once, in whichever process', async () => {
    const { app, clock } = await core();
    await run(app, 'follow kv cache');
    clock.advance(1_000);
    // What a killed ingest leaves: the papers stored, no plan made.
    await app.store.upsert([KV_NEW]);
    expect(await alerts(app)).toEqual([]);
    await ingest(app, clock, [PASSING]);
    expect((await alerts(app)).map((a) => a.titles)).toEqual([[KV_NEW.title]]);
    expect(await app.alerts?.plan()).toBe(0);
    expect(await alerts(app)).toHaveLength(1);
  });

  it('a database that held papers before follows existed alerts only about papers stored after', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paperboy-follow-old-'));
    try {
      const file = path.join(dir, 'paperboy.db');
      const old = await openStore(file);
      await old.upsert([KV_NEW]);
      old.close();
      const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
      const app = await createApp({ config: { dataDir: dir, timeZone: 'America/New_York' }, logger: silentLogger, clock, commands });
      try {
        await run(app, 'follow kv cache');
        await ingest(app, clock, [KV_NEW_2]);
        expect((await alerts(app)).map((a) => a.titles)).toEqual([[KV_NEW_2.title]]);
      } finally {
        await app.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an ingest with nothing new for a follower records no alert for them', async () => {
    const { app, clock } = await core();
    await run(app, 'follow time series');
    await ingest(app, clock, [KV_NEW]);
    expect(await alerts(app)).toEqual([]);
  });
});

describe('alert delivery', () => {
  const dirs: string[] = [];
  const apps: App[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** Two apps on one database file, as `serve` and a cron `ingest` would be. */
  async function twoProcesses(clock: FakeClock): Promise<{ serving: App; ingesting: App }> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paperboy-follow-'));
    dirs.push(dir);
    const open = async () => await createApp({ config: { dataDir: dir, timeZone: 'America/New_York' }, logger: silentLogger, clock, commands });
    const serving = await open();
    const ingesting = await open();
    apps.push(serving, ingesting);
    return { serving, ingesting };
  }

  function job(app: App, clock: FakeClock, ticker = new ManualTicker()): { job: AlertDelivery; ticker: ManualTicker } {
    return { job: new AlertDelivery({ follows: follows(app), clock, logger: silentLogger, ticker }), ticker };
  }

  it('an ingest whose alert planning meets a busy write lock still succeeds; the next plan records the alert', async () => {
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paperboy-follow-'));
    dirs.push(dir);
    const file = path.join(dir, 'paperboy.db');
    const database = await openDatabase({ file, now: () => clock.now(), busyTimeoutMs: 50, maxWriteWaitMs: 100, features: FEATURES });
    const store = database.papers;
    const app = await createApp({ config: { dataDir: dir, timeZone: 'America/New_York' }, logger: silentLogger, clock, commands, database });
    apps.push(app);
    await run(app, 'follow kv cache');
    // Another process takes the write lock right after the papers are stored, and holds it through the planning.
    const other = new Database(file);
    const upsert = store.upsert.bind(store);
    store.upsert = async (papers, alsoWrite) => {
      const stats = await upsert(papers, alsoWrite);
      other.exec('BEGIN IMMEDIATE');
      return stats;
    };
    await expect(app.library.ingest([KV_NEW])).resolves.not.toThrow();
    expect(app.store.get(KV_NEW.id)?.title).toBe(KV_NEW.title);
    expect(await follows(app).outbox()).toEqual([]);
    other.exec('ROLLBACK');
    other.close();
    await app.alerts?.plan();
    expect(await follows(app).outbox()).toMatchObject([{ status: 'pending' }]);
  });

  it('an ingest whose alert planning finds PostgreSQL unreachable still succeeds, and says the next ingest or poll plans it', async () => {
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const local = await openDatabase({ file: ':memory:', now: () => clock.now(), features: FEATURES });
    // A server that went away: nothing listens on the port any more.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as net.AddressInfo;
        server.close(() => resolve(p));
      });
    });
    const gone = new pg.Pool({ connectionString: `postgres://paperboy:secret@127.0.0.1:${port}/paperboy`, connectionTimeoutMillis: 2_000 });
    const warnings: string[] = [];
    const logger = { ...silentLogger, child: () => logger, warn: (_obj: unknown, msg?: string) => void warnings.push(msg ?? '') };
    const app = await createApp({
      config: { dataDir: '/nonexistent', timeZone: 'America/New_York' },
      logger,
      clock,
      commands,
      database: { ...local, sql: new PostgresSql(gone) },
    });
    apps.push(app);
    await expect(app.library.ingest([KV_NEW])).resolves.not.toThrow();
    expect(app.store.get(KV_NEW.id)?.title).toBe(KV_NEW.title);
    expect(warnings).toContain('follow alerts not planned yet: the database is unreachable; the next ingest or poll plans them');
    await gone.end();
  });

  it("a Discord shard that does not hold the channel's server gives the alert back untried; the shard that holds it posts it", async () => {
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const { serving, ingesting } = await twoProcesses(clock);
    await follows(serving).add('discord', { kind: 'channel', channel: 'C9', guildId: 'G1' }, 'kv cache');
    await ingest(ingesting, clock, [KV_NEW]);
    const other = Object.assign(new RecordingAdapter('discord'), { holds: (t: { guildId?: string }) => t.guildId !== 'G1' });
    const { job: elsewhere } = job(serving, clock);
    elsewhere.start([other]);
    await elsewhere.idle();
    await elsewhere.stop();
    expect(other.posts).toEqual([]);
    expect(await follows(serving).outbox()).toMatchObject([{ status: 'pending', attempts: 0 }]);
    const holder = Object.assign(new RecordingAdapter('discord'), { holds: (t: { guildId?: string }) => t.guildId === 'G1' });
    const { job: here } = job(ingesting, clock);
    here.start([holder]);
    await here.idle();
    await here.stop();
    expect(holder.posts.map((p) => p.target)).toEqual([{ channel: 'C9', guildId: 'G1' }]);
    expect(await follows(serving).outbox()).toMatchObject([{ status: 'delivered' }]);
  });

  it("another process's ingest is delivered by the serving process's job on its next poll, once", async () => {
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const { serving, ingesting } = await twoProcesses(clock);
    await run(serving, 'follow kv cache');
    const slack = new RecordingAdapter('slack');
    const { job: delivery, ticker } = job(serving, clock);
    delivery.start([slack]);
    await delivery.idle();
    expect(slack.direct).toEqual([]);

    await ingest(ingesting, clock, [KV_NEW]);
    clock.advance(POLL_MS);
    ticker.fire();
    await delivery.idle();
    expect(slack.direct.map((d) => d.user)).toEqual(['U0ALICE']);
    expect(slack.direct[0]?.reply).toMatchObject({ kind: 'papers', title: 'New papers on kv cache', cards: [{ title: KV_NEW.title }] });

    ticker.fire();
    await delivery.idle();
    expect(slack.direct).toHaveLength(1);
    expect((await follows(serving).outbox()).map((o) => o.status)).toEqual(['delivered']);
    await delivery.stop();
    expect(ticker.active).toBe(0);
  });

  it('an alert claimed by a process that died is delivered once its lease has ended', async () => {
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const { serving, ingesting } = await twoProcesses(clock);
    await run(serving, 'follow kv cache');
    await ingest(ingesting, clock, [KV_NEW]);
    // The other process claimed it and died before sending.
    expect(await follows(ingesting).claim('dead-process', ['slack'], LEASE_MS)).toHaveLength(1);
    const slack = new RecordingAdapter('slack');
    const { job: delivery } = job(serving, clock);
    delivery.start([slack]);
    await delivery.idle();
    expect(slack.direct).toEqual([]);
    clock.advance(LEASE_MS);
    expect(await delivery.poll()).toBe(1);
    expect(slack.direct.map((d) => d.user)).toEqual(['U0ALICE']);
    await delivery.stop();
  });

  it('two processes planning the same unplanned papers record their alerts once', async () => {
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const { serving, ingesting } = await twoProcesses(clock);
    await run(serving, 'follow kv cache');
    await ingesting.store.upsert([KV_NEW]);
    expect([await ingesting.alerts?.plan(), await serving.alerts?.plan()]).toEqual([1, 0]);
    expect(await follows(serving).outbox()).toHaveLength(1);
  });

  it('the delivery job plans what a killed ingest left unplanned, and delivers it', async () => {
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const { serving, ingesting } = await twoProcesses(clock);
    await run(serving, 'follow kv cache');
    await ingesting.store.upsert([KV_NEW]);
    const slack = new RecordingAdapter('slack');
    const delivery = new AlertDelivery({
      follows: follows(serving),
      clock,
      logger: silentLogger,
      ticker: new ManualTicker(),
      ...(serving.alerts ? { planner: serving.alerts } : {}),
    });
    delivery.start([slack]);
    await delivery.idle();
    expect(slack.direct.map((d) => d.user)).toEqual(['U0ALICE']);
    await delivery.stop();
  });

  it('two serving processes polling at once deliver each alert once', async () => {
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const { serving, ingesting } = await twoProcesses(clock);
    await run(serving, 'follow kv cache');
    await run(serving, 'follow kv cache', BOB);
    await ingest(ingesting, clock, [KV_NEW]);
    const a = new RecordingAdapter('slack');
    const b = new RecordingAdapter('slack');
    let release: () => void = () => undefined;
    a.hold = new Promise((r) => (release = r));
    const one = job(serving, clock).job;
    const two = job(ingesting, clock).job;
    one.start([a]);
    two.start([b]);
    release();
    await Promise.all([one.idle(), two.idle()]);
    await Promise.all([one.poll(), two.poll()]);
    expect([...a.direct, ...b.direct].map((d) => d.user).sort()).toEqual(['U0ALICE', 'U0BOB']);
    expect((await follows(serving).outbox()).map((o) => o.status)).toEqual(['delivered', 'delivered']);
    await Promise.all([one.stop(), two.stop()]);
  });

  it('a poll asked for while one is sending runs after it, so an alert recorded meanwhile is not left for an interval', async () => {
    const { app, clock } = await core();
    await run(app, 'follow kv cache');
    await run(app, 'follow token eviction', BOB);
    await run(app, 'follow paged serving', { platform: 'slack', user: 'U0CAROL' });
    await ingest(app, clock, [KV_NEW]);
    const slack = new RecordingAdapter('slack');
    let release: () => void = () => undefined;
    slack.hold = new Promise((r) => (release = r));
    const { job: delivery, ticker } = job(app, clock);
    delivery.start([slack]);
    await ingest(app, clock, [KV_NEW_2]);
    ticker.fire();
    ticker.fire();
    release();
    await delivery.idle();
    expect(slack.direct.map((d) => d.user).sort()).toEqual(['U0ALICE', 'U0ALICE', 'U0BOB', 'U0CAROL']);
    await delivery.stop();
  });

  it('a transient failure is retried later with backoff, and following says it is waiting', async () => {
    const { app, clock } = await core();
    await run(app, 'follow kv cache');
    await ingest(app, clock, [KV_NEW]);
    const slack = new RecordingAdapter('slack');
    slack.failures.push(new DeliveryError('transient', 'Slack answered HTTP 503'), new DeliveryError('transient', 'Slack answered HTTP 503'));
    const { job: delivery } = job(app, clock);
    delivery.start([slack]);
    await delivery.idle();
    expect((await follows(app).outbox())[0]).toMatchObject({ status: 'pending', attempts: 1, failure: 'transient' });
    expect(text(await run(app, 'following'))).toMatch(/is not delivered yet: the platform did not answer; it will be tried again/);

    clock.advance(59_000);
    expect(await delivery.poll()).toBe(0);
    expect((await follows(app).outbox())[0]?.attempts).toBe(1);
    clock.advance(1_000);
    expect(await delivery.poll()).toBe(0);
    // The second wait is twice the first.
    clock.advance(60_000);
    expect(await delivery.poll()).toBe(0);
    clock.advance(60_000);
    expect(await delivery.poll()).toBe(1);
    expect(slack.direct).toHaveLength(1);
    expect((await follows(app).outbox())[0]).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(text(await run(app, 'following'))).not.toMatch(/not delivered/);
    await delivery.stop();
  });

  it('a no-access refusal is recorded as failed, not retried, and shown in following', async () => {
    const { app, clock } = await core();
    await run(app, 'follow kv cache');
    await ingest(app, clock, [KV_NEW]);
    const slack = new RecordingAdapter('slack');
    slack.failures.push(new DeliveryError('no-access', 'Slack refused the DM to U0ALICE (cannot_dm_bot)', 'cannot_dm_bot'));
    const { job: delivery } = job(app, clock);
    delivery.start([slack]);
    await delivery.idle();
    expect((await follows(app).outbox())[0]).toMatchObject({ status: 'failed', failure: 'no-access', attempts: 1 });
    clock.advance(24 * 3_600_000);
    expect(await delivery.poll()).toBe(0);
    expect(slack.direct).toEqual([]);
    expect(text(await run(app, 'following'))).toMatch(/Your last alert \(2025-11-28\) could not be delivered: the platform would not let me message you/);
    await delivery.stop();
  });

  it('finished alerts are deleted after 30 days, and their papers still never alert again', async () => {
    const { app, clock } = await core();
    await run(app, 'follow kv cache');
    await ingest(app, clock, [KV_NEW]);
    const slack = new RecordingAdapter('slack');
    const { job: delivery } = job(app, clock);
    delivery.start([slack]);
    await delivery.idle();
    clock.advance(KEEP_DONE_MS - 1_000);
    await delivery.poll();
    expect((await follows(app).outbox()).map((o) => o.status)).toEqual(['delivered']);
    clock.advance(2_000);
    await delivery.poll();
    expect(await follows(app).outbox()).toEqual([]);
    await ingest(app, clock, [{ ...KV_NEW, upvotes: 500 }, KV_NEW_2]);
    expect((await alerts(app)).map((a) => a.titles)).toEqual([[KV_NEW_2.title]]);
    await delivery.stop();
  });

  it('an alert made on Discord waits for a Discord adapter; a Slack one is not used for it', async () => {
    const { app, clock } = await core();
    await run(app, 'follow kv cache', { platform: 'discord', user: '111', channel: '222' });
    await ingest(app, clock, [KV_NEW]);
    const slack = new RecordingAdapter('slack');
    const discord = new RecordingAdapter('discord');
    const first = job(app, clock).job;
    first.start([slack]);
    await first.idle();
    expect(slack.direct).toEqual([]);
    await first.stop();
    const second = job(app, clock).job;
    second.start([slack, discord]);
    await second.idle();
    expect(discord.direct.map((d) => d.user)).toEqual(['111']);
    expect(slack.direct).toEqual([]);
    await second.stop();
  });
});
