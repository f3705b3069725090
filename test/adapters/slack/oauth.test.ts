// Slack OAuth mode end to end with the real Bolt receiver and InstallProvider against the fake Slack: installs, forged and replayed states, per-workspace tokens, uninstalls.
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { BOT_SCOPES } from '../../../adapters/slack/oauth.js';
import { createLogger } from '../../../src/logger.js';
import type { ChatAdapter } from '../../../src/ports.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { ScheduleStore } from '../../../src/scheduler/store.js';
import { silentLogger } from '../../../src/logger.js';
import { FakeClock } from '../../support/core.js';
import { OAuthDriver } from './oauthDriver.js';
import { InstallationCleanup, KEEP_AFTER_REMOVAL_MS } from '../../../src/installations/cleanup.js';
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function driver(opts: Parameters<typeof OAuthDriver.start>[0] = {}): Promise<OAuthDriver> {
  const d = await OAuthDriver.start(opts);
  cleanups.push(() => d.close());
  return d;
}

/** The scheduler over the driver's database, at `at` on its own fake clock. */
async function runScheduler(d: OAuthDriver, at: string): Promise<ScheduleStore> {
  const clock = new FakeClock(new Date(at));
  const schedules = new ScheduleStore(d.core.database.sql, () => clock.now());
  const scheduler = new Scheduler({
    store: schedules,
    library: d.core.library,
    clock,
    timeZone: 'America/New_York',
    logger: silentLogger,
    retry: { retries: 0 },
  });
  scheduler.start([d.adapter as ChatAdapter]);
  await scheduler.tick();
  await scheduler.stop();
  return schedules;
}

describe('Slack install by OAuth', () => {
  it('/slack/install redirects to Slack’s authorize page with the bot scopes and a state, and sets the state cookie', async () => {
    const d = await driver();
    const begun = await d.beginInstall();
    expect(begun.status).toBe(302);
    const url = new URL(begun.location);
    expect(`${url.origin}${url.pathname}`).toBe(`${d.fake.origin}/oauth/v2/authorize`);
    expect(url.searchParams.get('client_id')).toBe(d.fake.oauthClient.id);
    expect(url.searchParams.get('scope')?.split(',')).toEqual([...BOT_SCOPES]);
    expect(begun.state).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(begun.cookie).toBe(`slack-app-oauth-state=${begun.state}`);
  });

  it('the install scopes are the manifest’s', () => {
    const manifest = fs.readFileSync(path.join(import.meta.dirname, '../../../adapters/slack/manifest.yaml'), 'utf8');
    const bot = /bot:\n((?:\s+(?:- \S+|#.*)\n)+)/.exec(manifest)?.[1] ?? '';
    expect([...bot.matchAll(/- (\S+)/g)].map((m) => m[1])).toEqual([...BOT_SCOPES]);
  });

  it('two workspaces install end to end: each code exchanged once, and each workspace is answered with its own token', async () => {
    const d = await driver();
    expect(await d.install('T2')).toMatchObject({ status: 200, page: expect.stringContaining('paperboy is now in Team T2') });
    expect(await d.install('T3')).toMatchObject({ status: 200 });
    expect(d.fake.callsTo('oauth.v2.access')).toHaveLength(2);
    const t2 = d.tokenOf('T2');
    const t3 = d.tokenOf('T3');
    expect(t2 && t3 && t2 !== t3).toBe(true);
    // InstallProvider checks each new token with auth.test.
    expect(d.fake.callsTo('auth.test').map((c) => c.token)).toEqual([t2, t3]);

    const { status, responseUrl } = await d.slash({ team: 'T2' }, 'search kv cache');
    expect(status).toBe(200);
    expect(d.fake.responses.filter((r) => responseUrl.endsWith(r.id))).toHaveLength(1);

    await d.mention({ team: 'T2', channel: 'C0SAME' }, 'search kv cache');
    await d.mention({ team: 'T3', channel: 'C0SAME' }, 'search kv cache');
    const posts = d.fake.callsTo('chat.postMessage');
    expect(posts.map((p) => [p.token, p.args.channel])).toEqual([
      [t2, 'C0SAME'],
      [t3, 'C0SAME'],
    ]);
  });

  it('a forged state is refused with a page that says so, and nothing is exchanged or installed', async () => {
    const d = await driver();
    d.fake.oauthCodes.set('code-T2', { team: 'T2' });
    const forged = 'bm9uY2Vub25jZW5vbmNl.c2lnbmF0dXJlc2lnbmF0dXJl';
    const r = await d.redirect('code-T2', forged, `slack-app-oauth-state=${forged}`);
    expect(r.status).toBe(400);
    expect(r.page).toMatch(/This install link cannot be used/);
    expect(r.page).toMatch(/Start again at \/slack\/install/);
    // A real state without its browser cookie is refused too.
    const begun = await d.beginInstall();
    expect((await d.redirect('code-T2', begun.state, '')).status).toBe(400);
    expect(d.fake.callsTo('oauth.v2.access')).toHaveLength(0);
    expect(await d.core.installations?.get('slack', 'T2')).toEqual({ kind: 'none' });
  });

  it('a replayed state is refused: a state is used once, even with its cookie', async () => {
    const d = await driver();
    d.fake.oauthCodes.set('code-a', { team: 'T2' });
    d.fake.oauthCodes.set('code-b', { team: 'T4' });
    const begun = await d.beginInstall();
    expect((await d.redirect('code-a', begun.state, begun.cookie)).status).toBe(200);
    const replay = await d.redirect('code-b', begun.state, begun.cookie);
    expect(replay.status).toBe(400);
    expect(replay.page).toMatch(/used already/);
    expect(d.fake.callsTo('oauth.v2.access')).toHaveLength(1);
    expect((await d.core.installations?.get('slack', 'T4'))?.kind).toBe('none');
  });

  it('no file in the data dir holds a bot token in plain text', async () => {
    const d = await driver();
    await d.install('T2');
    await d.install('T3');
    await d.slash({ team: 'T2' }, 'subscribe trending 09:00 UTC');
    const tokens = [d.tokenOf('T2') ?? 'missing', d.tokenOf('T3') ?? 'missing'];
    await d.core.database.sql.all('PRAGMA wal_checkpoint(TRUNCATE)');
    for (const f of fs.readdirSync(d.dir)) {
      const bytes = fs.readFileSync(path.join(d.dir, f));
      for (const t of tokens) expect(bytes.includes(Buffer.from(t)), `${f} holds ${t.slice(0, 8)}…`).toBe(false);
      expect(bytes.includes(Buffer.from('xoxb-')), f).toBe(false);
    }
  });

  it('a scheduled post per workspace carries that workspace’s token, and the same channel id in two workspaces keeps two subscriptions', async () => {
    const d = await driver();
    await d.install('T2');
    await d.install('T3');
    await d.slash({ team: 'T2', channel: 'C0SAME' }, 'subscribe trending 09:00 UTC top 2');
    await d.slash({ team: 'T3', channel: 'C0SAME' }, 'subscribe trending 09:00 UTC top 3');
    const subs = await d.core.schedules?.all();
    expect(subs?.map((s) => [s.channel, s.top]).sort()).toEqual([
      ['T2:C0SAME', 2],
      ['T3:C0SAME', 3],
    ]);
    await runScheduler(d, '2025-11-28T09:00:20Z');
    const posts = d.fake.callsTo('chat.postMessage');
    expect(posts.map((p) => [d.fake.teamOf(p.token), p.args.channel]).sort()).toEqual([
      ['T2', 'C0SAME'],
      ['T3', 'C0SAME'],
    ]);
  });

  it('app_uninstalled removes the installation and stops that workspace’s posts at once; the other still posts; the subscription is kept', async () => {
    const d = await driver();
    await d.install('T2');
    await d.install('T3');
    await d.slash({ team: 'T2', channel: 'C0TWO' }, 'subscribe trending 09:00 UTC');
    await d.slash({ team: 'T3', channel: 'C0THREE' }, 'subscribe trending 09:00 UTC');
    expect(await d.event('T3', { type: 'app_uninstalled', event_ts: '1764000000.000100' })).toBe(200);
    expect((await d.core.installations?.get('slack', 'T3'))?.kind).toBe('none');

    const schedules = await runScheduler(d, '2025-11-28T09:00:20Z');
    const posts = d.fake.callsTo('chat.postMessage');
    expect(posts.map((p) => [d.fake.teamOf(p.token), p.args.channel])).toEqual([['T2', 'C0TWO']]);
    const kept = await schedules.list('slack', 'T3:C0THREE');
    expect(kept).toHaveLength(1);
    expect(await schedules.slot(kept[0]?.id ?? '', '2025-11-28')).toMatchObject({ state: 'failed', failure: 'no-access' });
  });

  it('tokens_revoked for the bot removes the installation too', async () => {
    const d = await driver();
    await d.install('T2');
    await d.event('T2', { type: 'tokens_revoked', tokens: { bot: ['UT2BOT'] }, event_ts: '1764000000.000100' });
    expect((await d.core.installations?.get('slack', 'T2'))?.kind).toBe('none');
  });

  it('a command from a workspace that never installed gets no crash, is logged once, and serve keeps answering', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const d = await driver({ logger: createLogger('info', sink) });
    await d.install('T2');
    expect((await d.slash({ team: 'T9' }, 'search kv cache')).status).toBe(200);
    expect((await d.slash({ team: 'T9' }, 'search kv cache')).status).toBe(200);
    expect(await d.mention({ team: 'T9' }, 'hello')).toBe(200);
    const about = lines.filter((l) => l.includes('T9'));
    expect(about).toHaveLength(1);
    expect(about[0]).toMatch(/no installation/);
    expect(lines.filter((l) => /"level":50/.test(l))).toEqual([]);

    const { responseUrl } = await d.slash({ team: 'T2' }, 'search kv cache');
    expect(d.fake.responses.filter((r) => responseUrl.endsWith(r.id))).toHaveLength(1);
    expect(lines.join('\n')).not.toMatch(/xoxb-/);
  });

  it('what an uninstalled workspace set up is kept 30 days for a reinstall, then deleted by the cleanup; other workspaces keep theirs', async () => {
    const d = await driver();
    for (const team of ['T2', 'T3', 'T4']) {
      await d.install(team);
      await d.slash({ team, channel: 'C0SAME' }, 'subscribe trending 09:00 UTC');
      await d.slash({ team, channel: 'C0SAME' }, 'follow kv cache');
    }
    await d.event('T3', { type: 'app_uninstalled', event_ts: '1764000000.000100' });
    await d.event('T4', { type: 'app_uninstalled', event_ts: '1764000000.000100' });
    await d.install('T4');
    const removedAt = new Date('2025-11-27T15:00:00Z').getTime();
    const clock = new FakeClock(new Date(removedAt + KEEP_AFTER_REMOVAL_MS - 60_000));
    const cleanup = new InstallationCleanup({
      installations: d.core.installations ?? expect.fail('no installations'),
      schedules: d.core.schedules,
      follows: d.core.follows,
      clock,
      logger: silentLogger,
    });
    expect(await cleanup.runOnce()).toBe(0);
    expect((await d.core.schedules?.all())?.map((s) => s.channel).sort()).toEqual(['T2:C0SAME', 'T3:C0SAME', 'T4:C0SAME']);
    clock.advance(120_000);
    expect(await cleanup.runOnce()).toBe(1);
    expect((await d.core.schedules?.all())?.map((s) => s.channel).sort()).toEqual(['T2:C0SAME', 'T4:C0SAME']);
    expect((await d.core.follows?.all())?.map((f) => (f.owner.kind === 'user' ? f.owner.user : '')).sort()).toEqual(['T2:U0ALICE', 'T4:U0ALICE']);
    expect(await cleanup.runOnce()).toBe(0);
  });

  it('a follow alert goes to the user by DM with their workspace’s token', async () => {
    const d = await driver();
    await d.install('T2');
    await d.install('T3');
    await d.adapter.sendDirect?.('T3:U0ALICE', { kind: 'text', lines: ['new papers'], visibility: 'public' });
    const dm = d.fake.callsTo('conversations.open');
    expect(dm.map((c) => [d.fake.teamOf(c.token), c.args.users])).toEqual([['T3', 'U0ALICE']]);
    expect(d.fake.directMessages().map((m) => m.user)).toEqual(['U0ALICE']);
    expect(d.fake.teamOf(d.fake.callsTo('chat.postMessage')[0]?.token)).toBe('T3');
  });

  it('serving under a wrong PAPERBOY_SECRET_KEY stops start-up naming the installations it cannot read', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'paperboy-oauth-key-'));
    const key = randomBytes(32);
    const first = await OAuthDriver.start({ key, dir });
    await first.install('T2');
    await first.adapter.stop();
    await first.fake.close();
    await first.core.close();
    cleanups.push(() => fsp.rm(dir, { recursive: true, force: true }));
    await expect(OAuthDriver.start({ key: randomBytes(32), dir })).rejects.toThrow(/PAPERBOY_SECRET_KEY does not open the stored installations \(slack T2\)/);
    const rotated = await driver({ key: randomBytes(32), previousKey: key, dir });
    expect((await rotated.core.installations?.get('slack', 'T2'))?.kind).toBe('found');
  });
});
