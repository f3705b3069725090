// Bounded upstream data: a runaway Hugging Face page is abandoned as it streams, and oversized fields are clipped at ingest with a warning naming the paper.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { createApp, ingestFrom, type App } from '../../src/app.js';
import { ingestDays, type DayDeps } from '../../src/ingest/day.js';
import { PAPER_LIMITS } from '../../src/papers/bounds.js';
import { HfClient } from '../../src/papers/hf.js';
import { seedSource } from '../../src/papers/seeds.js';
import { FakeHf, fakeSleep, recordedList, type HfItem } from '../fakes/hf.js';
import { recordingLogger } from '../adapters/discord/harness.js';
import { FakeClock } from '../support/core.js';
import { pageEntry, pageHeader } from '../support/seedPages.js';

const DAY = '2026-06-12';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-bounds-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function setUp() {
  const hf = await new FakeHf().listen();
  cleanups.push(() => hf.close());
  const clock = new FakeClock(new Date('2026-06-20T15:00:00Z'));
  const logger = recordingLogger();
  const app: App = await createApp({ config: { dataDir: tmpDir(), timeZone: 'America/New_York' }, logger, clock, commands });
  cleanups.push(() => app.close());
  if (!app.dailyLists) throw new Error('a SQLite app has daily lists');
  const deps: DayDeps = {
    library: app.library,
    lists: app.dailyLists,
    client: new HfClient({ apiUrl: hf.apiUrl, timeoutMs: 30_000, retries: 2, sleep: fakeSleep(clock) }),
    clock,
    timeZone: 'America/New_York',
    logger,
  };
  return { hf, app, deps, logger };
}

const warnings = (logger: ReturnType<typeof recordingLogger>) => logger.entries.filter((e) => e.level === 'warn');

describe('bounded upstream data', () => {
  it('a 50 MB daily page is abandoned as it streams: the day is not ingested, the warning names the URL and the cap, and nothing of it is stored', async () => {
    const { hf, app, deps, logger } = await setUp();
    hf.days.set(DAY, recordedList());
    hf.fail(`daily_papers:${DAY}`, { kind: 'huge', bytes: 50 * 1024 * 1024 });
    const [outcome] = await ingestDays(deps, [DAY]);
    expect(outcome?.status).toBe('failed');
    // Given up at once: a runaway page is not retried.
    expect(hf.dailyRequests(DAY)).toHaveLength(1);
    const warn = warnings(logger).find((e) => e.msg === 'daily list not ingested');
    expect(JSON.stringify(warn?.obj)).toContain(`${hf.apiUrl}/daily_papers`);
    expect(JSON.stringify(warn?.obj)).toContain('more than 16 MB (HF_MAX_RESPONSE_MB)');
    expect(app.store.count()).toBe(0);
    expect(app.dailyLists?.day(DAY)).toBeUndefined();
    // The process keeps answering, and the next run reads the real page.
    const [next] = await ingestDays(deps, [DAY]);
    expect(next?.status).toBe('ingested');
    expect(app.store.count()).toBe(recordedList().length);
  });

  it('a 10 MB title from the API is stored clipped to the cap, with a warning naming the paper', async () => {
    const { hf, app, deps, logger } = await setUp();
    const [first, ...rest] = recordedList() as [HfItem, ...HfItem[]];
    const title = `Runaway ${'title '.repeat((10 * 1024 * 1024) / 6)}`;
    hf.days.set(DAY, [{ ...first, paper: { ...first.paper, title } }, ...rest]);
    const [outcome] = await ingestDays(deps, [DAY]);
    expect(outcome?.status).toBe('ingested');
    const stored = app.store.get(first.paper.id);
    expect(stored?.title.length).toBe(PAPER_LIMITS.title);
    expect(stored?.title.startsWith('Runaway title title')).toBe(true);
    const warn = warnings(logger).find((e) => (e.msg ?? '').includes(`paper ${first.paper.id}`));
    expect(warn?.msg).toMatch(/clipped title \(10,485,\d{3} characters, kept 500\)/);
    // A clipped paper is kept, not counted as skipped.
    expect(app.dailyLists?.day(DAY)).toMatchObject({ papers: recordedList().length, skipped: 0 });
  });

  it('an abstract, author list and key phrases past their caps are clipped the same way, one warning for the paper', async () => {
    const { hf, app, deps, logger } = await setUp();
    const [first] = recordedList() as [HfItem];
    const paper = {
      ...first.paper,
      summary: 'Long abstract sentence. '.repeat(2_000),
      authors: Array.from({ length: 5_000 }, (_, i) => ({ name: `Author ${i}` })),
      ai_keywords: Array.from({ length: 500 }, (_, i) => `phrase ${i}`),
    };
    hf.days.set(DAY, [{ ...first, paper }]);
    await ingestDays(deps, [DAY]);
    const stored = app.store.get(first.paper.id);
    expect(stored?.abstract.length).toBe(PAPER_LIMITS.abstract);
    expect(stored?.authors).toHaveLength(PAPER_LIMITS.authors);
    expect(stored?.authorCount).toBe(5_000);
    expect(stored?.aiKeywords).toHaveLength(PAPER_LIMITS.aiKeywords);
    const clipped = warnings(logger).filter((e) => (e.msg ?? '').includes(`paper ${first.paper.id}`));
    expect(clipped).toHaveLength(1);
    expect(clipped[0]?.msg).toMatch(
      /abstract \(47,999 characters, kept 10,000\); authors \(5,000, kept the first 100\); aiKeywords \(500, kept the first 50\)/,
    );
  });

  it('a seed page entry with an oversized title is clipped by the same rule, with a warning naming the file, line and paper', async () => {
    const { app, logger } = await setUp();
    const dir = tmpDir();
    const long = `Seed ${'word '.repeat(300)}`.trim();
    fs.writeFileSync(path.join(dir, 'page.txt'), `${pageHeader()}${pageEntry(long, 'A short abstract.')}`);
    await ingestFrom(app, seedSource(dir), logger);
    const [stored] = app.store.all();
    expect(stored?.title.length).toBe(PAPER_LIMITS.title);
    const warn = warnings(logger).find((e) => /clipped title/.test(e.msg ?? ''));
    expect(JSON.stringify(warn?.obj)).toContain('page.txt:');
    expect(warn?.msg).toContain(`paper ${stored?.id}`);
  });
});
