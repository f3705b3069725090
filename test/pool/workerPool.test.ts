// The worker pool serve answers chat through: real worker threads over a real database file, driven by the real Slack and Discord adapters against their fakes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/logger.js';
import { BUSY_MESSAGE, WorkerPool, type WorkerPoolOptions } from '../../src/pool/workerPool.js';
import { APOLOGY } from '../../src/dispatch.js';
import type { WorkerSetup } from '../../src/pool/protocol.js';
import { systemClock } from '../../src/ports.js';
import { FakeClock } from '../support/core.js';
import { FakeTimers } from '../support/timers.js';
import { paperRun } from '../fakes/papers.js';
import { FAKE_TEAM } from '../fakes/slack.js';
import { DM_CHANNEL, startDiscord } from '../adapters/discord/harness.js';
import { seenFrom } from '../fakes/discord.js';
import { CHANNEL, SlackDriver, USER } from '../adapters/slack/support.js';
import { gate } from '../support/gate.js';
import { testPapers } from '../support/papers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A data dir whose database holds the test corpus; the returned app is this (main) thread's, as serve's is. */
async function mainApp(): Promise<{ dataDir: string; app: App }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-pool-'));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const app = await createApp({ config: { dataDir, timeZone: 'America/New_York' }, logger: silentLogger, clock: systemClock, commands });
  await app.library.ingest(testPapers);
  app.library.warm();
  return { dataDir, app };
}

async function startPool(dataDir: string, over: Partial<WorkerPoolOptions> = {}): Promise<WorkerPool> {
  const pool = new WorkerPool({
    commands,
    setup: { config: { dataDir, timeZone: 'America/New_York' }, logLevel: 'silent' },
    logger: silentLogger,
    workers: 1,
    queue: 8,
    ...over,
  });
  cleanups.push(() => pool.close());
  await pool.start();
  return pool;
}

/** Sends a signed slash command without waiting for the adapter to finish; resolves with the HTTP status of the ack. */
async function slashNow(d: SlackDriver, text: string, n: number): Promise<{ status: number; responseUrl: string }> {
  const responseUrl = d.fake.responseUrl();
  const payload = {
    team_id: FAKE_TEAM,
    channel_id: CHANNEL,
    channel_name: 'general',
    user_id: USER,
    command: '/papers',
    text,
    response_url: responseUrl,
    trigger_id: `flood.${n}`,
  };
  const res = await d.postRaw(new URLSearchParams(payload).toString(), 'application/x-www-form-urlencoded');
  await res.text();
  return { status: res.status, responseUrl };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 20));
}

const seenText = (d: SlackDriver, url: string) => d.seenAt(url).text;

describe('worker pool behind the Slack HTTP receiver', () => {
  it('a flood of 100 signed asks: every ack is a 200 and every response_url gets its answer', async () => {
    const { dataDir, app } = await mainApp();
    const pool = await startPool(dataDir, { workers: 2, queue: 200 });
    const d = await SlackDriver.start('http', { core: app, dispatcher: () => pool });
    cleanups.push(() => d.close());
    const questions = [
      'how do agents remember things?',
      'what makes kv cache smaller?',
      'which papers study memory for llm agents?',
      'how is attention made cheaper?',
    ];
    const sent = await Promise.all(Array.from({ length: 100 }, (_, i) => slashNow(d, `ask ${questions[i % questions.length]}`, i)));
    expect(sent.map((s) => s.status)).toEqual(sent.map(() => 200));
    await d.adapter.idle();
    const answered = sent.map((s) => d.responsesTo(s.responseUrl).length);
    expect(answered).toEqual(sent.map(() => 1));
    const texts = sent.map((s) => seenText(d, s.responseUrl));
    expect(texts.filter((t) => t.includes(BUSY_MESSAGE) || /something went wrong/.test(t))).toEqual([]);
  }, 60_000);

  it('with every worker taken and the queue full, a command is acked and answered busy, privately, while the others finish', async () => {
    const { dataDir, app } = await mainApp();
    // One worker holding one task, no queue: the second command finds the pool full.
    const pool = await startPool(dataDir, { workers: 1, tasksPerWorker: 1, queue: 0 });
    const d = await SlackDriver.start('http', { core: app, dispatcher: () => pool, config: { managers: ['U0BOSS'] } });
    cleanups.push(() => d.close());
    d.fake.users.set(USER, { is_admin: true });
    const slow = gate();
    slow.hold();
    d.fake.usersInfoWait = () => slow.wait();

    const held = await slashNow(d, 'subscribe trending 9:00 UTC', 1);
    await until(() => d.fake.callsTo('users.info').length === 1);
    const turnedAway = await slashNow(d, 'search kv cache', 2);
    expect([held.status, turnedAway.status]).toEqual([200, 200]);
    await until(() => d.responsesTo(turnedAway.responseUrl).length === 1);
    expect(d.seenAt(turnedAway.responseUrl)).toMatchObject({ ephemeral: true });
    expect(seenText(d, turnedAway.responseUrl)).toContain(BUSY_MESSAGE);
    expect(d.responsesTo(held.responseUrl)).toEqual([]);

    slow.release();
    await d.adapter.idle();
    expect(seenText(d, held.responseUrl)).toMatch(/every day at 09:00 UTC/);
    // The pool has room again.
    const after = await d.slash('search kv cache');
    expect(seenText(d, after.responseUrl)).toMatch(/KV Cache/i);
  });

  it('mayManage runs on the main thread for a command answered in a worker: a non-manager is refused, an admin may subscribe', async () => {
    const { dataDir, app } = await mainApp();
    const pool = await startPool(dataDir);
    const d = await SlackDriver.start('http', { core: app, dispatcher: () => pool, config: { managers: ['U0BOSS'] } });
    cleanups.push(() => d.close());

    d.fake.users.set(USER, { is_admin: false });
    const refused = await d.slash('subscribe trending 9:00 UTC');
    expect(d.seenAt(refused.responseUrl)).toMatchObject({ ephemeral: true });
    expect(seenText(d, refused.responseUrl)).toMatch(/can't change this channel's subscriptions[\s\S]*SLACK_MANAGERS/);
    expect(d.fake.callsTo('users.info').map((c) => c.args.user)).toEqual([USER]);
    expect(await app.schedules?.list('slack', CHANNEL)).toEqual([]);

    d.fake.users.set(USER, { is_admin: true });
    const allowed = await d.slash('subscribe trending 9:00 UTC');
    expect(seenText(d, allowed.responseUrl)).toMatch(/every day at 09:00 UTC/);
    // Written by the worker's connection, read by this thread's.
    expect(await app.schedules?.list('slack', CHANNEL)).toHaveLength(1);
  });
});

describe('worker pool and the database', () => {
  it('a paper ingested on the main thread after the workers started is found by a search answered in a worker', async () => {
    const { dataDir, app } = await mainApp();
    const pool = await startPool(dataDir);
    const before = await pool.runText('search zorblax', { platform: 'test' });
    expect(before.kind).toBe('error');

    await app.library.ingest(paperRun('zorblax retrieval', 3, { ids: '2511' }));
    const after = await pool.runText('search zorblax', { platform: 'test' });
    expect(after.kind === 'papers' && after.cards.map((c) => c.title)).toEqual(expect.arrayContaining([expect.stringMatching(/^Zorblax retrieval variant/)]));
    expect(after.kind === 'papers' && after.total).toBe(3);
  });

  it('a pool over a data dir it cannot open fails start-up with the reason instead of serving', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pb-pool-bad-')), 'not-a-dir');
    fs.writeFileSync(file, 'x');
    cleanups.push(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }));
    const pool = new WorkerPool({
      commands,
      setup: { config: { dataDir: file, timeZone: 'UTC' }, logLevel: 'silent' },
      logger: silentLogger,
      workers: 1,
      queue: 0,
    });
    await expect(pool.start()).rejects.toThrow(/could not open the paper database/);
  });
});

describe('worker pool behind Discord autocomplete', () => {
  it('autocomplete is answered from a worker: topic names and paper titles', async () => {
    const { dataDir, app } = await mainApp();
    const pool = await startPool(dataDir);
    const run = await startDiscord({ core: app, dispatcher: () => pool });
    cleanups.push(() => run.close());
    const topic = await run.fake.answer(run.fake.autocomplete('topic', 'topic', 'kv').token);
    expect(JSON.stringify(topic.body)).toMatch(/kv cache/);
    const paper = await run.fake.answer(run.fake.autocomplete('paper', 'id', 'memo').token);
    expect(JSON.stringify(paper.body)).toMatch(/MemOS/);
  });

  it("a reply to the bot's answer follows up on it: the answer's id is linked to the conversation from a worker", async () => {
    const { dataDir, app } = await mainApp();
    const pool = await startPool(dataDir);
    const run = await startDiscord({ core: app, dispatcher: () => pool });
    cleanups.push(() => run.close());
    const id = run.fake.message('how is the kv cache quantized?', { channelId: DM_CHANNEL });
    const first = seenFrom(await run.fake.replyTo(id));
    const cited = first.titles[0];
    const answerId = run.fake.sentReplyTo(id);
    const follow = run.fake.message('tell me more about 1', { channelId: DM_CHANNEL }, undefined, false, answerId);
    expect(seenFrom(await run.fake.replyTo(follow)).titles[0]).toBe(cited);
  });

  it('numbers follow the screen across workers: "tell me more about 2" in reply to a search run by a worker is that search\'s result 2', async () => {
    const { dataDir, app } = await mainApp();
    // NOTE: two workers: the list is kept in the database file, not in the worker that showed it.
    const pool = await startPool(dataDir, { workers: 2 });
    const run = await startDiscord({ core: app, dispatcher: () => pool });
    cleanups.push(() => run.close());
    const id = run.fake.message('search kv cache', { channelId: DM_CHANNEL });
    const results = seenFrom(await run.fake.replyTo(id));
    expect(results.titles.length).toBeGreaterThan(1);
    const follow = run.fake.message('tell me more about 2', { channelId: DM_CHANNEL }, undefined, false, run.fake.sentReplyTo(id));
    expect(seenFrom(await run.fake.replyTo(follow)).titles[0]).toBe(results.titles[1]);
  });
});

/** The real worker plus a `hang` command that never settles, and a start-up that fails once `failAtStart` holds how. */
const TEST_WORKER = fileURLToPath(new URL('./test-worker.mjs', import.meta.url));

/** A pool of the test worker over a fresh database, with fake timers for its deadlines; `failAtStart` is the flag file's path. */
async function testPool(over: Partial<WorkerPoolOptions> = {}) {
  const { dataDir } = await mainApp();
  const failAtStart = path.join(dataDir, 'fail-at-start');
  const timers = new FakeTimers(new FakeClock(new Date('2025-11-27T12:00:00Z')));
  const setup = { config: { dataDir, timeZone: 'America/New_York' }, logLevel: 'silent', test: { failAtStart } };
  const pool = await startPool(dataDir, { workerFile: TEST_WORKER, setup: setup as WorkerSetup, timers, taskTimeoutMs: 60_000, ...over });
  return { pool, timers, dataDir, failAtStart };
}

const apology = { kind: 'error', message: APOLOGY };
const DEADLINE = 60_000;

describe('worker pool deadlines', () => {
  it('a command that never settles is answered with the apology at its deadline, and its slot and worker are given back', async () => {
    // One worker holding one task and no queue: the stuck command holds the pool's only slot.
    const { pool, timers } = await testPool({ workers: 1, tasksPerWorker: 1, queue: 0 });
    const stuck = pool.runText('hang', { platform: 'test' });
    timers.advance(DEADLINE);
    expect(await stuck).toMatchObject(apology);
    // The slot is free and the worker ended for the deadline has been replaced: the next command is answered.
    const next = await pool.runText('search kv cache', { platform: 'test' });
    expect(next.kind).toBe('papers');
  });

  it('a command stuck in a worker does not hold back the other commands that worker runs alongside it', async () => {
    const { pool, timers } = await testPool({ workers: 1, tasksPerWorker: 2, queue: 0 });
    const stuck = pool.runText('hang', { platform: 'test' });
    const other = await pool.runText('search kv cache', { platform: 'test' });
    expect(other.kind).toBe('papers');
    timers.advance(DEADLINE);
    expect(await stuck).toMatchObject(apology);
  });

  it('the other commands on a worker ended for a deadline are answered with the apology too, not left waiting', async () => {
    const { pool, timers } = await testPool({ workers: 1, tasksPerWorker: 4, queue: 0 });
    const first = pool.runText('hang', { platform: 'test' });
    timers.advance(DEADLINE / 2);
    // Sent half a deadline later, to the same worker: it is lost when that worker is ended for the first one's deadline.
    const second = pool.runText('hang', { platform: 'test' });
    timers.advance(DEADLINE / 2);
    expect(await Promise.all([first, second])).toMatchObject([apology, apology]);
    expect((await pool.runText('search kv cache', { platform: 'test' })).kind).toBe('papers');
  });
});

describe('worker pool losing its workers after start-up', () => {
  it('a replacement worker whose database went bad reports it cannot start: the pool is lost, naming the cause', async () => {
    const { pool, timers, dataDir } = await testPool({ workers: 1 });
    const file = path.join(dataDir, 'paperboy.db');
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    fs.writeFileSync(file, 'this is not a database '.repeat(100));
    // The stuck command's deadline ends the worker; its replacement opens the bad file.
    const stuck = pool.runText('hang', { platform: 'test' });
    timers.advance(DEADLINE);
    await stuck;
    const lost = await pool.lost;
    expect(lost.message).toMatch(/search worker could not start: Cannot open the paper database at .*paperboy\.db: it is not an SQLite database/);
  });

  it.each([
    ['throws', 'the database went bad'],
    ['exits', 'exit'],
  ])('a replacement worker that %s before it is ready: the pool is lost instead of running on with no workers', async (_how, flag) => {
    const { pool, timers, failAtStart } = await testPool({ workers: 1 });
    fs.writeFileSync(failAtStart, flag);
    const stuck = pool.runText('hang', { platform: 'test' });
    timers.advance(DEADLINE);
    await stuck;
    const lost = await pool.lost;
    expect(lost.message).toMatch(flag === 'exit' ? /search worker could not start: .*exited/ : /search worker could not start: .*the database went bad/);
  });
});
