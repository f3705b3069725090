// Resolving pasted links: stored papers need no fetch, unknown ones are fetched once a minute per channel, a hung fetch ends at its deadline, and the memory of fetches is bounded.
import { describe, expect, it } from 'vitest';
import { LinkResolver, LINK_REPEAT_MS, type LinkLibrary } from '../../src/links/resolve.js';
import { silentLogger } from '../../src/logger.js';
import type { Paper } from '../../src/papers/model.js';
import type { PaperFetcher, UpsertStats } from '../../src/ports.js';
import { paperRun } from '../fakes/papers.js';
import { FakeClock } from '../support/core.js';

function memoryLibrary(papers: Paper[] = []): LinkLibrary & { stored: Map<string, Paper> } {
  const stored = new Map(papers.map((p) => [p.id, p]));
  return {
    stored,
    get: (id) => stored.get(id),
    ingest: (ps): Promise<UpsertStats> => {
      for (const p of ps) stored.set(p.id, p);
      return Promise.resolve({ inserted: ps.length, updated: 0, unchanged: 0, changed: ps.map((paper) => ({ paper })) });
    },
  };
}

function countingFetcher(known: Paper[]): PaperFetcher & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    fetch: (id) => {
      asked.push(id);
      return Promise.resolve(known.find((p) => p.id === id) ?? null);
    },
  };
}

const [stored, remote] = paperRun('links', 2, { ids: '2601' }) as [Paper, Paper];
const link = (arxivId: string) => ({ url: `https://arxiv.org/abs/${arxivId}`, arxivId });

describe('link resolver', () => {
  it('a stored paper needs no fetch; one not stored is fetched and stored', async () => {
    const library = memoryLibrary([stored]);
    const fetcher = countingFetcher([remote]);
    const r = new LinkResolver({ library, fetcher, clock: new FakeClock(new Date('2026-12-07T10:00:00Z')), logger: silentLogger });
    const got = await r.resolve([link(stored.id), link(remote.id)], 'C1');
    expect(got.map((g) => g.paper?.id)).toEqual([stored.id, remote.id]);
    expect(fetcher.asked).toEqual([remote.id]);
    expect(library.stored.has(remote.id)).toBe(true);
  });

  it('an unknown paper is asked for once a minute per channel, and again after the minute or in another channel', async () => {
    const clock = new FakeClock(new Date('2026-12-07T10:00:00Z'));
    const fetcher = countingFetcher([]);
    const r = new LinkResolver({ library: memoryLibrary(), fetcher, clock, logger: silentLogger });
    await r.resolve([link('2601.99999')], 'C1');
    await r.resolve([link('2601.99999'), link('2601.99999')], 'C1');
    expect(fetcher.asked).toHaveLength(1);
    await r.resolve([link('2601.99999')], 'C2');
    expect(fetcher.asked).toHaveLength(2);
    clock.advance(LINK_REPEAT_MS);
    await r.resolve([link('2601.99999')], 'C1');
    expect(fetcher.asked).toHaveLength(3);
  });

  it('a fetch that never answers gives no paper once its deadline passes', async () => {
    const hung: PaperFetcher = {
      fetch: (_id, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('deadline')))),
    };
    const r = new LinkResolver({ library: memoryLibrary(), fetcher: hung, clock: new FakeClock(new Date()), logger: silentLogger, deadlineMs: 10 });
    expect(await r.resolve([link('2601.99999')], 'C1')).toEqual([{ link: link('2601.99999'), paper: null }]);
  });

  it('keeps at most its bound of fetch outcomes', async () => {
    const r = new LinkResolver({
      library: memoryLibrary(),
      fetcher: countingFetcher([]),
      clock: new FakeClock(new Date()),
      logger: silentLogger,
      maxEntries: 3,
    });
    for (let i = 0; i < 10; i++) await r.resolve([link(`2601.0000${i}`)], 'C1');
    expect(r.kept).toBe(3);
  });
});
