// Related papers ("more like this"): only papers sharing enough of a paper's distinctive terms, none when no paper is that close.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { PROJECT_ROOT } from '../../src/config.js';
import type { Paper } from '../../src/papers/model.js';
import { loadSeedDir } from '../../src/papers/seeds.js';
import type { Caller } from '../../src/ports.js';
import type { Reply } from '../../src/reply.js';
import { neighbours } from '../../src/search/related.js';
import { createTestCore } from '../support/core.js';

const MEMGAS = 'Towards Multi-Granularity Memory Association and Selection for Long-Term Conversational Agents';
const DYSLEXIA = 'Determining the Difficulties of Students With Dyslexia via Virtual Reality and Artificial Intelligence: An Exploratory Analysis';
/** Weight quantization and time series: what the issue saw listed beside MemGAS. */
const UNRELATED_TO_MEMGAS = /quantiz|time[- ]series|forecast|FineQuant/i;

function details(r: Reply): Extract<Reply, { kind: 'answer' }> {
  if (r.kind !== 'answer') throw new Error(`expected a paper's details, got ${r.kind}`);
  return r;
}

describe('related papers', () => {
  let core: App;
  let seeds: Paper[];
  beforeAll(async () => {
    seeds = loadSeedDir(path.join(PROJECT_ROOT, 'seeds')).papers;
    core = await createTestCore({ papers: seeds });
  });

  it('MemGAS (memory for dialogue agents) lists dialogue-memory papers, and no quantization or time-series paper', async () => {
    const r = details(await core.dispatcher.runText(`tell me about ${MEMGAS}`));
    const titles = (r.related ?? []).map((c) => c.title);
    expect(titles.length).toBeGreaterThan(0);
    for (const t of titles) expect(t).not.toMatch(UNRELATED_TO_MEMGAS);
    expect(titles.some((t) => /memory/i.test(t))).toBe(true);
  });

  it('no paper above the threshold is ever a quantization or time-series paper for MemGAS, however far the list goes', () => {
    const memgas = seeds.find((p) => p.title === MEMGAS) as Paper;
    const titles = core.library.related(memgas, 100).map((p) => p.title);
    expect(titles.filter((t) => UNRELATED_TO_MEMGAS.test(t))).toEqual([]);
  });

  it('a paper with no neighbour above the threshold shows no related papers, and "more like" says so', async () => {
    const caller: Caller = { platform: 'slack', channel: 'C1', thread: 'T-related' };
    const r = details(await core.dispatcher.runText(`tell me about ${DYSLEXIA}`, caller));
    expect(r.cards[0]?.title).toBe(DYSLEXIA);
    expect(r.related ?? []).toEqual([]);
    const like = await core.dispatcher.runText('more like [1]', caller);
    if (like.kind !== 'papers') throw new Error(`expected papers, got ${like.kind}`);
    expect(like.cards).toEqual([]);
    expect(like.notice).toMatch(/No stored paper/);
  });

  it('a neighbour shares at least three of the paper’s distinctive terms carrying a third of their weight', () => {
    const paper = (id: string, title: string, abstract: string): Paper => ({
      id,
      title,
      abstract,
      authors: [],
      authorCount: null,
      org: null,
      publishedAt: null,
      upvotes: null,
      arxivId: null,
      thumbnail: null,
      sources: [],
    });
    const memory = paper('a', 'Dialogue memory retrieval for agents', 'Agents keep dialogue memory; retrieval of memory units.');
    const corpus = {
      size: 100,
      holders: (word: string) =>
        ({ dialogue: ['a', 'b'], memory: ['a', 'b', 'c'], retrieval: ['a', 'b'], agents: ['a', 'b', 'c'], units: ['a', 'c'] })[word] ?? ['a'],
    };
    expect(neighbours(memory, corpus).map((n) => n.id)).toEqual(['b']);
    expect(neighbours(memory, { ...corpus, holders: (w: string) => (w === 'memory' ? ['a', 'c'] : ['a']) })).toEqual([]);
  });
});
