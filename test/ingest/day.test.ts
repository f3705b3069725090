// Ingesting daily lists from the fake HF API: one transaction per day, merges (versions, seed titles), resumable runs, other processes, trending by list.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { createApp, ingestFrom, type App } from '../../src/app.js';
import { UNREACHABLE_DAYS, ingestDates, ingestDay, ingestDays, type DayDeps } from '../../src/ingest/day.js';
import type { DailyLists } from '../../src/store/dailyLists.js';
import { silentLogger } from '../../src/logger.js';
import { HfClient } from '../../src/papers/hf.js';
import { seedSource } from '../../src/papers/seeds.js';
import { openStore } from '../../src/store/sqlite.js';
import { dayPeriod, weekPeriod } from '../../src/trending/period.js';
import type { Paper } from '../../src/papers/model.js';
import { FakeHf, fakeSleep, recordedList, recordedMixed, renumbered, type HfItem } from '../fakes/hf.js';
import { FakeClock } from '../support/core.js';
import { pageEntry, pageHeader } from '../support/seedPages.js';

const DAY = '2026-06-12';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-hf-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function fakeHf(): Promise<FakeHf> {
  const hf = await new FakeHf().listen();
  cleanups.push(() => hf.close());
  return hf;
}

/** An app on a database file in `dir` (the real graph: SQLite store, persisted search index, daily lists). */
async function appOn(dir: string, clock: FakeClock): Promise<App> {
  const app = await createApp({ config: { dataDir: dir, timeZone: 'America/New_York' }, logger: silentLogger, clock, commands });
  cleanups.push(() => app.close());
  return app;
}

function depsFor(app: App, hf: FakeHf, clock: FakeClock): DayDeps {
  if (!app.dailyLists) throw new Error('a SQLite app has daily lists');
  return {
    library: app.library,
    lists: app.dailyLists,
    client: new HfClient({ apiUrl: hf.apiUrl, timeoutMs: 2_000, retries: 2, sleep: fakeSleep(clock) }),
    clock,
    timeZone: 'America/New_York',
    logger: silentLogger,
  };
}

const clockAt = (iso = '2026-06-20T15:00:00Z') => new FakeClock(new Date(iso));

describe('ingest: one day', () => {
  it('stores a full daily list: every paper with its HF fields, the list in order, the day marked complete', async () => {
    const hf = await fakeHf();
    hf.days.set(DAY, recordedList());
    const clock = clockAt();
    const app = await appOn(tmpDir(), clock);
    const day = await ingestDay(depsFor(app, hf, clock), DAY);
    const recorded = recordedList();
    expect(day.stats).toMatchObject({ inserted: recorded.length, updated: 0, unchanged: 0 });
    expect(day.stats.changed.map((c) => c.paper.id).sort()).toEqual(recorded.map((i) => i.paper.id).sort());
    const withRepo = recorded.find((i) => i.paper.githubRepo) as HfItem;
    expect(app.store.get(withRepo.paper.id)).toMatchObject({ githubRepo: withRepo.paper.githubRepo, aiKeywords: withRepo.paper.ai_keywords });
    expect(app.dailyLists?.listed(DAY, DAY)).toEqual(recorded.map((i) => i.paper.id));
    expect(app.dailyLists?.day(DAY)).toMatchObject({ papers: recorded.length, skipped: 0, complete: true, fetchedAt: clock.now().toISOString() });
    // Fetching again changes nothing.
    const again = await ingestDay(depsFor(app, hf, clock), DAY);
    expect(again.stats).toMatchObject({ inserted: 0, updated: 0, unchanged: recorded.length });
  });

  it("today's list is stored but not complete (it still grows)", async () => {
    const hf = await fakeHf();
    hf.days.set(DAY, recordedList());
    const clock = clockAt('2026-06-12T20:00:00Z');
    const app = await appOn(tmpDir(), clock);
    await ingestDay(depsFor(app, hf, clock), DAY);
    expect(app.dailyLists?.day(DAY)?.complete).toBe(false);
  });

  it('upvotes refresh on every fetch, down as well as up', async () => {
    const hf = await fakeHf();
    const items = recordedList();
    hf.days.set(DAY, items);
    const clock = clockAt();
    const app = await appOn(tmpDir(), clock);
    await ingestDay(depsFor(app, hf, clock), DAY);
    const [a, b] = items as [HfItem, HfItem];
    hf.days.set(DAY, [
      { ...a, paper: { ...a.paper, upvotes: a.paper.upvotes + 40 } },
      { ...b, paper: { ...b.paper, upvotes: Math.max(0, b.paper.upvotes - 1) } },
      ...items.slice(2),
    ]);
    const again = await ingestDay(depsFor(app, hf, clock), DAY);
    expect(app.store.get(a.paper.id)?.upvotes).toBe(a.paper.upvotes + 40);
    expect(app.store.get(b.paper.id)?.upvotes).toBe(Math.max(0, b.paper.upvotes - 1));
    expect(again.stats.updated).toBe(b.paper.upvotes > 0 ? 2 : 1);
  });

  it('a paper listed as 2606.xxxxxv2 on a later day is the same paper', async () => {
    const hf = await fakeHf();
    const [a] = recordedList() as [HfItem];
    hf.days.set(DAY, [a]);
    hf.days.set('2026-06-15', [{ ...a, paper: { ...a.paper, id: `${a.paper.id}v2`, upvotes: a.paper.upvotes + 3 } }]);
    const clock = clockAt();
    const app = await appOn(tmpDir(), clock);
    const deps = depsFor(app, hf, clock);
    await ingestDay(deps, DAY);
    const later = await ingestDay(deps, '2026-06-15');
    expect(later.stats).toMatchObject({ inserted: 0, updated: 1 });
    expect(app.store.count()).toBe(1);
    expect(app.store.get(a.paper.id)?.upvotes).toBe(a.paper.upvotes + 3);
    expect(app.dailyLists?.listed('2026-06-15', '2026-06-15')).toEqual([a.paper.id]);
  });

  it('merges with a seed paper of the same title: one paper, its id now the arXiv id, found by search under it', async () => {
    const hf = await fakeHf();
    const items = recordedList();
    const item = items.find((i) => i.paper.githubRepo) as HfItem;
    hf.days.set(DAY, [item]);
    const seeds = tmpDir();
    fs.writeFileSync(path.join(seeds, 'page.txt'), `${pageHeader('Jun 12')}${pageEntry(item.paper.title, 'A shorter abstract from the page dump.')}`);
    const clock = clockAt();
    const app = await appOn(tmpDir(), clock);
    await ingestFrom(app, seedSource(seeds), silentLogger);
    const [seed] = app.store.all();
    expect(seed?.id).toMatch(/^t-/);
    // NOTE: the persisted index notices writes by updated_at (see SqliteCorpusData.sync): time moves between ingests.
    clock.advance(60_000);
    const day = await ingestDay(depsFor(app, hf, clock), DAY);
    expect(day.stats).toMatchObject({ inserted: 0, updated: 1 });
    expect(day.stats.changed[0]?.previousId).toBe(seed?.id);
    expect(app.store.count()).toBe(1);
    const merged = app.store.get(item.paper.id);
    expect(merged?.sources.map((s) => s.name)).toEqual([expect.stringMatching(/^seed:/), 'hf:daily_papers']);
    expect(merged?.githubRepo).toBe(item.paper.githubRepo);
    const hits = app.library.searchAll(item.paper.title);
    expect(hits[0]?.id).toBe(item.paper.id);
    expect(hits.some((h) => h.id === seed?.id)).toBe(false);
  });

  it("makes HF's ai_keywords searchable", async () => {
    const hf = await fakeHf();
    const [a, ...rest] = recordedList() as [HfItem, ...HfItem[]];
    hf.days.set(DAY, [{ ...a, paper: { ...a.paper, ai_keywords: ['quasicrystalline tokenizer'] } }, ...rest]);
    const clock = clockAt();
    const app = await appOn(tmpDir(), clock);
    await ingestDay(depsFor(app, hf, clock), DAY);
    expect(app.library.search('quasicrystalline').hits.map((h) => h.id)).toEqual([a.paper.id]);
  });

  it('a fault after the papers were written keeps nothing of the day', async () => {
    const hf = await fakeHf();
    hf.days.set(DAY, recordedList());
    const clock = clockAt();
    const app = await appOn(tmpDir(), clock);
    const deps = depsFor(app, hf, clock);
    const broken = {
      ...deps,
      lists: {
        record: () => {
          throw new Error('disk gone');
        },
      } as unknown as DailyLists,
    };
    await expect(ingestDay(broken, DAY)).rejects.toThrow(/disk gone/);
    expect(app.store.count()).toBe(0);
    expect(app.dailyLists?.day(DAY)).toBeUndefined();
    expect(app.library.searchAll(recordedList()[0]?.paper.title ?? '')).toEqual([]);
  });
});

describe('ingest: many days', () => {
  /** Five weekdays of renumbered recorded items, and a weekend. */
  function week(hf: FakeHf): string[] {
    const dates = ['2026-06-08', '2026-06-09', '2026-06-10', '2026-06-11', '2026-06-12', '2026-06-13', '2026-06-14'];
    dates.slice(0, 5).forEach((d, i) => hf.days.set(d, renumbered(20, 10 + i)));
    return dates;
  }

  it('is resumable: a second run skips completed days, and refresh fetches them again', async () => {
    const hf = await fakeHf();
    const dates = week(hf);
    const clock = clockAt();
    const app = await appOn(tmpDir(), clock);
    const first = await ingestDays(depsFor(app, hf, clock), dates);
    expect(first.map((o) => o.status)).toEqual(dates.map(() => 'ingested'));
    expect(app.store.count()).toBe(100);
    const fetched = hf.dailyRequests().length;
    const second = await ingestDays(depsFor(app, hf, clock), dates);
    expect(second.map((o) => o.status)).toEqual(dates.map(() => 'skipped'));
    expect(hf.dailyRequests()).toHaveLength(fetched);
    const refreshed = await ingestDays(depsFor(app, hf, clock), dates, { refresh: true });
    expect(refreshed.map((o) => o.status)).toEqual(dates.map(() => 'ingested'));
    expect(hf.dailyRequests()).toHaveLength(fetched * 2);
  });

  it('a day the source fails is reported and not marked; the other days are kept, and a re-run fetches only it', async () => {
    const hf = await fakeHf();
    const dates = week(hf);
    hf.fail('daily_papers:2026-06-10', ...Array.from({ length: 3 }, () => ({ kind: 'status', status: 503 }) as const));
    const clock = clockAt();
    const app = await appOn(tmpDir(), clock);
    const seen: string[] = [];
    const run = await ingestDays(depsFor(app, hf, clock), dates, { onDay: (o, done, total) => seen.push(`${done}/${total} ${o.status}`) });
    expect(run.find((o) => o.date === '2026-06-10')).toMatchObject({ status: 'failed', error: expect.stringMatching(/answered 503/) });
    expect(seen).toEqual(['1/7 ingested', '2/7 ingested', '3/7 failed', '4/7 ingested', '5/7 ingested', '6/7 ingested', '7/7 ingested']);
    expect(app.dailyLists?.day('2026-06-10')).toBeUndefined();
    expect(app.store.count()).toBe(80);
    const again = await ingestDays(depsFor(app, hf, clock), dates);
    expect(again.map((o) => o.status)).toEqual(['skipped', 'skipped', 'ingested', 'skipped', 'skipped', 'skipped', 'skipped']);
    expect(app.store.count()).toBe(100);
  });
});

describe('ingest: a day not fetched yet', () => {
  it("is a list day with no list: trending shows the latest list, never the few papers that carry that day's arXiv date", async () => {
    const hf = await fakeHf();
    const items = recordedList().map((i, k) => (k === 0 ? { ...i, paper: { ...i.paper, publishedAt: '2026-06-13T00:00:00.000Z' } } : i));
    hf.days.set(DAY, items);
    const clock = clockAt('2026-06-13T15:00:00Z');
    const app = await appOn(tmpDir(), clock);
    await ingestDay(depsFor(app, hf, clock), DAY);
    // 2026-06-13's list was never fetched (the source down, or before the hourly fetch).
    const unfetched = app.library.trending(dayPeriod('2026-06-13'));
    expect(unfetched.shown.label).toBe(DAY);
    expect(unfetched.papers).toHaveLength(items.length);
  });
});

describe('ingest: a source that cannot be reached', () => {
  it(`stops asking after ${UNREACHABLE_DAYS} days in a row fail to connect, and reports the rest as not tried (a re-run retries them)`, async () => {
    const clock = clockAt();
    const app = await appOn(tmpDir(), clock);
    const deps = {
      ...depsFor(app, await fakeHf(), clock),
      client: new HfClient({ apiUrl: 'http://127.0.0.1:1/api', timeoutMs: 2_000, retries: 1, sleep: fakeSleep(clock) }),
    };
    const dates = ['2026-06-08', '2026-06-09', '2026-06-10', '2026-06-11', '2026-06-12', '2026-06-13', '2026-06-14'];
    const run = await ingestDays(deps, dates);
    expect(run.map((o) => o.status)).toEqual(dates.map(() => 'failed'));
    const notTried = run.filter((o) => o.status === 'failed' && /not tried/.test(o.error));
    expect(notTried.map((o) => o.date)).toEqual(dates.slice(UNREACHABLE_DAYS));
    expect(app.dailyLists?.day('2026-06-14')).toBeUndefined();
  });
});

describe('ingest: other processes and trending', () => {
  it("another process's ingest is seen by a second app on the same file, without a restart", async () => {
    const hf = await fakeHf();
    hf.days.set(DAY, recordedList());
    const dir = tmpDir();
    const clock = clockAt();
    const reader = await appOn(dir, clock);
    const target = recordedList().find((i) => i.paper.githubRepo) as HfItem;
    // The serving app has searched (its index is loaded) before the other process ingests.
    expect(reader.library.searchAll(target.paper.title)).toEqual([]);
    const writer = await appOn(dir, clock);
    await ingestDay(depsFor(writer, hf, clock), DAY);
    expect(reader.library.searchAll(target.paper.title)[0]?.id).toBe(target.paper.id);
    expect(reader.library.trending(dayPeriod(DAY)).papers).toHaveLength(recordedList().length);
  });

  it("trending for a day ranks that day's stored list by current upvotes; a day without one uses publication dates", async () => {
    const hf = await fakeHf();
    const items = recordedList();
    hf.days.set(DAY, items);
    const clock = clockAt();
    const app = await appOn(tmpDir(), clock);
    await ingestDay(depsFor(app, hf, clock), DAY);
    const list = app.library.trending(dayPeriod(DAY));
    expect(list.shown.label).toBe(DAY);
    // Autocompletion offers the list's day, with the list's size, before any publication date.
    expect(app.library.dates(5)[0]).toEqual({ date: DAY, count: items.length });
    const byVotes = [...items].sort((x, y) => y.paper.upvotes - x.paper.upvotes || x.paper.title.localeCompare(y.paper.title));
    expect(list.papers.map((p) => p.id)).toEqual(byVotes.map((i) => i.paper.id));
    // Papers on the list were published (on arXiv) on other days: the list, not the dates, makes the day.
    expect(list.papers.some((p) => p.publishedAt !== DAY)).toBe(true);
    // A day with no stored list: the papers published on it.
    const published = String(items[0]?.paper.publishedAt).slice(0, 10);
    const other = app.library.trending(dayPeriod(published));
    expect(other.papers.every((p) => p.publishedAt === published)).toBe(true);
    expect(other.papers.length).toBeGreaterThan(0);
  });

  it('a week covers the lists of its days; an empty day falls back to the latest list before it', async () => {
    const hf = await fakeHf();
    const mixed = recordedMixed();
    const byDay = (d: string) => mixed.filter((i) => i.paper.submittedOnDailyAt?.startsWith(d));
    hf.days.set('2026-07-10', byDay('2026-07-10'));
    hf.days.set('2026-07-13', byDay('2026-07-13'));
    const clock = clockAt('2026-07-14T15:00:00Z');
    const app = await appOn(tmpDir(), clock);
    const deps = depsFor(app, hf, clock);
    await ingestDays(deps, ['2026-07-10', '2026-07-11', '2026-07-12', '2026-07-13']);
    expect(app.library.trending(weekPeriod({ year: 2026, week: 29 })).papers).toHaveLength(byDay('2026-07-13').length);
    const weekend = app.library.trending(dayPeriod('2026-07-12'));
    expect(weekend.shown.label).toBe('2026-07-10');
    expect(weekend.papers).toHaveLength(byDay('2026-07-10').length);
    // A paper published (on arXiv) that Sunday is on no list: the fetched, empty list still says "nothing that day".
    const sunday = { ...(app.store.all()[0] as Paper), id: 'sunday-paper', title: 'A Sunday preprint', arxivId: null, publishedAt: '2026-07-12' };
    await app.library.ingest([sunday]);
    const again = app.library.trending(dayPeriod('2026-07-12'));
    expect(again.shown.label).toBe('2026-07-10');
    expect(again.papers.map((p) => p.id)).not.toContain('sunday-paper');
  });
});

describe('ingest: the database file', () => {
  it('a database from before the HF fields migrates and keeps its papers', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'paperboy.db');
    const seeds = tmpDir();
    fs.writeFileSync(path.join(seeds, 'page.txt'), `${pageHeader('Jun 12')}${pageEntry('An Old Paper', 'Stored before the HF fields.')}`);
    const clock = clockAt();
    const old = await appOn(dir, clock);
    await ingestFrom(old, seedSource(seeds), silentLogger);
    await old.close();
    // Make the file what an older paperboy left: papers schema 1 (user_version) without the new columns, index schema 2 (its own mark), no versions in meta.
    const raw = new Database(file);
    for (const c of ['github_repo', 'github_stars', 'project_page', 'ai_summary', 'ai_keywords', 'num_comments', 'raw_text', 'org_handle'])
      raw.exec(`ALTER TABLE papers DROP COLUMN ${c}`);
    raw.pragma('user_version = 1');
    raw.exec(`DELETE FROM meta WHERE key IN ('schema.papers', 'schema.search')`);
    raw.prepare(`INSERT INTO search_marks (key, value) VALUES ('schema', '2')`).run();
    raw.close();
    const store = await openStore(file);
    expect(store.count()).toBe(1);
    store.close();
    const hf = await fakeHf();
    hf.days.set(DAY, recordedList());
    const app = await appOn(dir, clock);
    await ingestDay(depsFor(app, hf, clock), DAY);
    expect(app.store.count()).toBe(1 + recordedList().length);
    expect(app.library.searchAll('An Old Paper')[0]?.title).toBe('An Old Paper');
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(4);
    expect(check.prepare(`SELECT key, value FROM meta WHERE key IN ('schema.papers', 'schema.search') ORDER BY key`).all()).toEqual([
      { key: 'schema.papers', value: '4' },
      { key: 'schema.search', value: '2' },
    ]);
    check.close();
  });
});

describe('ingest: which days', () => {
  const today = '2026-12-02';
  it('reads --date, --since and --until into days, oldest first', () => {
    expect(ingestDates({ date: '2026-11-30' }, today)).toEqual({ ok: true, value: ['2026-11-30'] });
    expect(ingestDates({ since: '2026-11-29' }, today)).toEqual({ ok: true, value: ['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02'] });
    expect(ingestDates({ since: '2026-02-27', until: '2026-03-01' }, today)).toEqual({ ok: true, value: ['2026-02-27', '2026-02-28', '2026-03-01'] });
  });

  it('refuses bad dates, the future, until before since, over 366 days and mixed flags, in one sentence each', () => {
    const refused = (flags: Parameters<typeof ingestDates>[0]) => {
      const r = ingestDates(flags, today);
      if (r.ok) throw new Error('accepted');
      return r.error.message;
    };
    expect(refused({ date: '2026-02-30' })).toMatch(/^--date 2026-02-30 is not a date: use YYYY-MM-DD/);
    expect(refused({ date: 'yesterday' })).toMatch(/^--date yesterday is not a date/);
    expect(refused({ date: '2026-12-03' })).toMatch(/^--date 2026-12-03 is in the future/);
    expect(refused({ since: '2026-11-01', until: '2026-10-01' })).toMatch(/^--until 2026-10-01 is before --since 2026-11-01\./);
    expect(refused({ since: '2025-01-01' })).toMatch(/more than 366 days/);
    expect(refused({ date: '2026-11-01', since: '2026-11-01' })).toMatch(/not both/);
    expect(refused({ until: '2026-11-01' })).toMatch(/--until needs --since/);
  });
});
