// Bounded work per search (STYLE habit 17): word length, term count, fuzzy expansion, fallbacks, the time budget.
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { createApp } from '../../src/app.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { UserError } from '../../src/errors.js';
import { Library } from '../../src/library.js';
import { silentLogger } from '../../src/logger.js';
import type { Paper } from '../../src/papers/model.js';
import { loadSeedDir } from '../../src/papers/seeds.js';
import type { SearchIndex } from '../../src/ports.js';
import { MAX_CLAUSES_PER_RUN, SEARCH_LIMITS, type SearchWork } from '../../src/search/limits.js';
import { MemoryCorpusData } from '../../src/search/corpusData.js';
import { SearchRanker, type RankerOptions } from '../../src/search/ranker.js';
import { MemorySearchIndex } from '../../src/search/searchIndex.js';
import { MAX_QUERY_TERMS, parseQuery, type ParsedQuery } from '../../src/search/query.js';
import { stem } from '../../src/search/analysis/terms.js';
import { MAX_TERM_LENGTH } from '../../src/search/analysis/tokenizer.js';
import { openStore } from '../../src/store/sqlite.js';
import { FakeClock } from '../support/core.js';
import { testPapers } from '../support/papers.js';

/** A query that must parse. */
function parsed(text: string): ParsedQuery {
  const r = parseQuery(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Seeded random letters (mulberry32), so every run sees the same words. */
function letters(seed: number): (n: number) => string {
  let a = seed;
  const rand = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (n) => Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(rand() * 26)]).join('');
}

const paper = (id: string, title: string, abstract: string): Paper => ({
  id,
  title,
  abstract,
  authors: [],
  authorCount: 1,
  org: null,
  publishedAt: '2025-01-01',
  upvotes: 0,
  arxivId: null,
  thumbnail: null,
  sources: [{ name: 'test' }],
});

const filler = Array.from({ length: 30 }, (_, i) => paper(`f${i}`, `Model study ${i}`, 'We train a model and report results on a benchmark.'));

/** A clock that never moves: the budget never runs out, so the counters depend only on the query. */
const stillClock = () => 0;
/** A clock that jumps a second on every look: the budget is spent by the first check. */
const jumpingClock = () => {
  let t = 0;
  return () => (t += 1000);
};

let seeds: Paper[];
let snapshot: SearchRanker;
let lastWork: SearchWork | undefined;
/** Searches the seed snapshot and returns the outcome with the work it did. */
const searchSeeds = (text: string) => {
  const outcome = snapshot.search(parsed(text));
  if (!lastWork) throw new Error('no work reported');
  return { outcome, work: lastWork };
};
/** What any search may do at most, whatever the query: the bounds the tests hold the index to. */
const withinBounds = (work: SearchWork) => {
  const { terms, words } = snapshot.counts;
  expect(work.clauses).toBeLessThanOrEqual(2 * MAX_CLAUSES_PER_RUN);
  expect(work.fallbackWords).toBeLessThanOrEqual(SEARCH_LIMITS.fallbackWords);
  expect(work.fuzzyTerms).toBeLessThanOrEqual(SEARCH_LIMITS.fallbackWords * SEARCH_LIMITS.fuzzyTerms);
  // Per fallback word: one scan of the words of about its length (typos), one of its word family, one of the terms (fuzzy).
  expect(work.compared).toBeLessThanOrEqual(SEARCH_LIMITS.fallbackWords * (words + 2 * terms));
};

beforeAll(() => {
  seeds = loadSeedDir(path.join(PROJECT_ROOT, 'seeds')).papers;
  snapshot = SearchRanker.fromPapers(seeds, { now: stillClock, onWork: (w) => (lastWork = w) });
});

describe('search bounds: long words', () => {
  const word200 = letters(7)(200);

  it('search: a 200-letter word is not searched, and the library says so kindly', async () => {
    const q = parsed(word200);
    expect(q.terms).toEqual([]);
    expect(q.tooLong).toEqual([word200]);
    const store = await openStore(':memory:');
    const lib = new Library(store, new MemorySearchIndex(() => store.all(), silentLogger));
    await lib.ingest(seeds.slice(0, 20));
    try {
      lib.search(word200);
      expect.unreachable('a query of one 200-letter word has nothing to search');
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).hints.join(' ')).toContain(`longer than ${MAX_TERM_LENGTH} characters`);
    }
  });

  it('search: a 200-letter word next to real words builds no fuzzy or typo work', () => {
    const { outcome, work } = searchSeeds(`memory ${word200}`);
    expect(outcome.hits.length).toBeGreaterThan(0);
    expect(work).toEqual({ clauses: 1, fuzzyTerms: 0, compared: 0, fallbackWords: 0 });
  });

  it('search: a 500-character query of unknown words builds a bounded number of clauses and comparisons', () => {
    const random = letters(11);
    const query = Array.from({ length: 50 }, () => random(9)).join(' ');
    expect(query.length).toBeGreaterThanOrEqual(499);
    const { outcome, work } = searchSeeds(query);
    expect(work.fallbackWords).toBe(SEARCH_LIMITS.fallbackWords);
    // More unknown words than get fallbacks: the outcome says papers may be missing.
    expect(outcome.incomplete).toBe(true);
    withinBounds(work);
  });

  it('search: fuzzy matching expands an unknown word to at most the capped number of corpus terms', () => {
    // 45 numbers one edit from 12345678 (numbers are never typo-corrected, so the fuzzy run is what finds them).
    const near = Array.from({ length: 8 }, (_, pos) => Array.from({ length: 10 }, (_, d) => `${'12345678'.slice(0, pos)}${d}${'12345678'.slice(pos + 1)}`))
      .flat()
      .filter((n) => n !== '12345678')
      .slice(0, 45);
    let work: SearchWork | undefined;
    const index = SearchRanker.fromPapers([...filler, ...near.map((n, i) => paper(`n${i}`, `Part ${n}`, `Serial number ${n}.`))], {
      now: stillClock,
      onWork: (w) => (work = w),
    });
    const outcome = index.search(parsed('12345678'));
    expect(outcome.fuzzy).toBe(true);
    expect(work?.fuzzyTerms).toBe(SEARCH_LIMITS.fuzzyTerms);
    expect(outcome.hits).toHaveLength(SEARCH_LIMITS.fuzzyTerms);
  });

  it('search: a word longer than the longest real words (24 letters) is neither typo-corrected nor fuzzy-matched', () => {
    // The seeds hold 24-character words (hex ids), so without the limit a 26-letter word would be compared with them.
    const { outcome, work } = searchSeeds(letters(13)(26));
    expect(outcome.hits).toEqual([]);
    expect(work).toMatchObject({ fallbackWords: 1, compared: 0, fuzzyTerms: 0 });
  });

  it('search: words of four letters or fewer are not fuzzy-matched, so a short unknown word builds no clauses', () => {
    const { outcome, work } = searchSeeds('zq');
    expect(outcome.hits).toEqual([]);
    expect(work.fuzzyTerms).toBe(0);
    expect(work.clauses).toBe(0);
  });
});

describe('search bounds: index build', () => {
  it('index: a 128,000-character run in an abstract and a 1 MB title are indexed; their normal words are searchable and the runs are not in the vocabulary', () => {
    const random = letters(3);
    const run = random(128_000);
    const titleRun = random(1_000_000);
    const index = SearchRanker.fromPapers([
      ...filler,
      paper('run', 'Sparse probes for recall', `Sparse probes find ${run}- facts in a multi-${run.slice(0, 5000)}- model.`),
      paper('title', `Holographic ${titleRun}-`, 'Holographic memory for agents.'),
    ]);
    expect(index.search(parsed('sparse probes')).hits.map((h) => h.paper.id)).toEqual(['run']);
    expect(index.search(parsed('holographic')).hits.map((h) => h.paper.id)).toEqual(['title']);
    for (const word of [run, titleRun, run.slice(0, 5000)]) {
      expect(index.has(word)).toBe(false);
      expect(index.has(stem(word))).toBe(false);
    }
    // The runs add nothing: the index has the terms and words of the same papers without them.
    const plain = SearchRanker.fromPapers([
      ...filler,
      paper('run', 'Sparse probes for recall', 'Sparse probes find - facts in a multi-- model.'),
      paper('title', 'Holographic -', 'Holographic memory for agents.'),
    ]);
    expect(index.counts).toEqual(plain.counts);
  });
});

describe('search bounds: term count', () => {
  const extra = Array.from({ length: 40 }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`);

  it('query: only the first 32 distinct terms are used and the rest are listed as dropped', () => {
    const q = parsed(`kv cache ${extra.join(' ')} -${extra.slice(0, 3).join(' -')}`);
    expect(q.terms).toHaveLength(MAX_QUERY_TERMS);
    expect(q.terms.slice(0, 2).map((t) => t.word)).toEqual(['kv', 'cache']);
    // The exclusions come after the cap too: they are dropped, not applied.
    expect(q.dropped).toEqual([...extra.slice(MAX_QUERY_TERMS - 2), ...extra.slice(0, 3)]);
    expect(q.excluded).toEqual([]);
  });

  it('query: repeated and excluded words count once, so a query cannot grow its clauses by repeating a word', () => {
    const q = parsed(`${'"memory" '.repeat(60)} ${'-agent '.repeat(60)}`);
    expect(q.required).toHaveLength(1);
    expect(q.excluded).toHaveLength(1);
    expect(q.dropped).toEqual([]);
  });

  it('search command: a query with more than 32 words says which words were ignored', async () => {
    const app = await createApp({
      config: { dataDir: '/nonexistent', timeZone: 'UTC' },
      logger: silentLogger,
      clock: new FakeClock(new Date()),
      commands,
      database: await openDatabase({ file: ':memory:', features: FEATURES }),
    });
    await app.library.ingest(testPapers);
    const reply = await app.dispatcher.run({ command: 'search', text: `kv cache ${extra.join(' ')}` });
    expect(reply.kind).toBe('papers');
    expect(reply.kind === 'papers' && reply.notice).toMatch(
      new RegExp(`^Results may be incomplete: only the first ${MAX_QUERY_TERMS} words were searched \\(ignored: ${extra[30]} `),
    );
  });

  it('library: a query of many unknown words asks for "did you mean" suggestions of at most four of them', async () => {
    const store = await openStore(':memory:');
    const real = new MemorySearchIndex(() => store.all(), silentLogger);
    const asked: string[] = [];
    const counting: SearchIndex = {
      get size() {
        return real.size;
      },
      search: (q) => real.search(q),
      matches: (q) => real.matches(q),
      upsert: (p) => real.upsert(p),
      remove: (ids) => real.remove(ids),
      warm: () => real.warm(),
      papersWithPhrases: (phrases) => real.papersWithPhrases(phrases),
      papersAbout: (concepts, rule) => real.papersAbout(concepts, rule),
      summaries: () => real.summaries(),
      suggest: (word, limit) => {
        asked.push(word);
        return real.suggest(word, limit);
      },
    };
    const lib = new Library(store, counting);
    await lib.ingest(testPapers);
    const random = letters(5);
    expect(lib.search(Array.from({ length: 20 }, () => random(8)).join(' ')).total).toBe(0);
    expect(asked).toHaveLength(4);
  });
});

describe('search bounds: time budget', () => {
  const corpus = [...filler, paper('q', 'Quantization of weights', 'Low-bit quantization keeps accuracy.')];
  const build = (options: RankerOptions) => SearchRanker.fromPapers(corpus, options);

  it('search: with a clock that jumps past the budget, the typo fallback is skipped and the outcome is incomplete', () => {
    const inTime = build({ now: stillClock }).search(parsed('quantizaiton'));
    expect(inTime).toMatchObject({ corrected: [{ word: 'quantizaiton', to: ['quantization'] }], incomplete: false });
    expect(inTime.hits.map((h) => h.paper.id)).toEqual(['q']);
    let work: SearchWork | undefined;
    const late = build({ now: jumpingClock(), onWork: (w) => (work = w) }).search(parsed('quantizaiton'));
    expect(late).toMatchObject({ hits: [], corrected: [], incomplete: true });
    expect(work).toMatchObject({ fallbackWords: 0, compared: 0 });
  });

  /** A ranker whose first read of the vocabulary and first dictionary look-up each take a second of its clock (a cold, busy machine). */
  const coldRanker = () => {
    let t = 0;
    const isWord = (w: string) => w === 'keeps' || w === 'accuracy';
    class SlowVocabulary extends MemoryCorpusData {
      private read = false;
      override vocabulary() {
        if (!this.read) t += 1000;
        this.read = true;
        return super.vocabulary();
      }
    }
    let looked = false;
    return new SearchRanker(new SlowVocabulary([...corpus, paper('w', 'Weights decay', 'Large weights shrink.')]), {
      now: () => t,
      isWord: (w) => {
        if (!looked) t += 1000;
        looked = true;
        return isWord(w);
      },
    });
  };

  it('search: loading the vocabulary and the word list for a typo does not spend its time budget', () => {
    const outcome = coldRanker().search(parsed('quantizaiton weigths'));
    expect(outcome).toMatchObject({
      corrected: [
        { word: 'quantizaiton', to: ['quantization'] },
        { word: 'weigths', to: ['weights'] },
      ],
      incomplete: false,
    });
    expect(outcome.hits.map((h) => h.paper.id)).toEqual(['q', 'w']);
  });

  it('matches: loading the vocabulary and the word list for a typo does not spend its time budget', () => {
    expect([...coldRanker().matches(parsed('quantizaiton weigths'))].sort()).toEqual(['q', 'w']);
  });

  it('search: a budget that runs out during a scan stops the scan there', () => {
    let looks = 0;
    // A scan long enough to look at the clock: 2,000 words that share trigrams with "memroy" (the scan compares only those).
    const crowd = Array.from({ length: 2000 }, (_x, i) => `memr${[...(676 + i).toString(26)].map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('')}`);
    const papers = [...seeds, { ...(seeds[0] as Paper), id: 'crowd', title: 'Crowd', abstract: crowd.join(' ') }];
    // In time for the first two looks (the start and the check before the first word), late from the first look inside the scan.
    const index = SearchRanker.fromPapers(papers, { now: () => (looks++ < 2 ? 0 : 1e9), onWork: (w) => (lastWork = w) });
    const outcome = index.search(parsed('memroy'));
    expect(outcome).toMatchObject({ corrected: [], incomplete: true });
    expect(lastWork?.fallbackWords).toBe(1);
    expect(lastWork?.compared).toBeLessThan(index.counts.words);
  });

  it('search command: results cut short by the budget say "Results may be incomplete"', async () => {
    const database = await openDatabase({ file: ':memory:', features: FEATURES });
    const index = new MemorySearchIndex(() => database.papers.all(), silentLogger, { now: jumpingClock() });
    const app = await createApp({
      config: { dataDir: '/nonexistent', timeZone: 'UTC' },
      logger: silentLogger,
      clock: new FakeClock(new Date()),
      commands,
      database,
      index,
    });
    await app.library.ingest(testPapers);
    const reply = await app.dispatcher.run({ command: 'search', text: 'kv cahce' });
    expect(reply.kind).toBe('papers');
    expect(reply.kind === 'papers' && reply.notice).toBe(
      'Results may be incomplete: close spellings and related word forms were not tried for every word, to answer in time.',
    );
  });
});

describe('search bounds: any query', () => {
  const lunrSyntax = fc.constantFrom('^', '~', '*', ':', '+', '-', '"', 'title:', 'abstract:memory', 'since:2025', 'org:"x', '~2', '^10', '\\', '(', ')');
  const longWord = fc
    .integer({ min: 41, max: 300 })
    .chain((n) => fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), minLength: n, maxLength: n }));
  const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 1, maxLength: 24 });
  const part = fc.oneof(word, word, longWord, lunrSyntax, fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }));
  const query = fc.array(part, { maxLength: 80 }).map((parts) => parts.join(' ').slice(0, 500));

  it('search: random queries of up to 500 characters never throw and each does a bounded amount of work', () => {
    fc.assert(
      fc.property(query, (text) => {
        const q = parseQuery(text);
        if (!q.ok) return;
        expect(q.value.terms.length + q.value.excluded.length).toBeLessThanOrEqual(MAX_QUERY_TERMS);
        expect(q.value.terms.every((t) => t.term.length <= MAX_TERM_LENGTH)).toBe(true);
        lastWork = undefined;
        snapshot.search(q.value);
        if (!lastWork) throw new Error('no work reported');
        withinBounds(lastWork);
      }),
      { numRuns: 150, seed: 17 },
    );
  });
});
