// The postings scorer ranks exactly as lunr does: same BM25 weights, same query vector, same required/prohibited rules.
import path from 'node:path';
import fc from 'fast-check';
import lunr from 'lunr';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { loadSeedDir } from '../../src/papers/seeds.js';
import {
  decodePostings,
  encodePostings,
  FIELD_BOOSTS,
  FIELDS,
  MemoryCorpus,
  mergePostings,
  scoreClauses,
  type Field,
  type Posting,
  type ScoredClause,
} from '../../src/search/bm25.js';
import { SearchRanker } from '../../src/search/index.js';
import { parseQuery } from '../../src/search/query.js';
import { analyze, compounds } from '../../src/search/text.js';

const papers = loadSeedDir(path.join(PROJECT_ROOT, 'seeds')).papers;
// NOTE: the index reads the source's text (`rawText`) where display cleaning changed it.
const fieldsOf = ({ rawText, ...p }: (typeof papers)[number]): Record<Field, string[]> => ({
  title: [...analyze(rawText?.title ?? p.title), ...compounds(rawText?.title ?? p.title)],
  abstract: [...analyze(rawText?.abstract ?? p.abstract), ...compounds(rawText?.abstract ?? p.abstract)],
  people: analyze([...p.authors, p.org ?? ''].join(' ')),
});

/** A real lunr index over the same analysed fields, built the way the search index builds it. */
const idx = lunr(function () {
  this.pipeline.reset();
  this.searchPipeline.reset();
  this.ref('id');
  for (const f of FIELDS) this.field(f, { boost: FIELD_BOOSTS[f] });
  for (const [i, p] of papers.entries()) {
    const f = fieldsOf(p);
    this.add({ id: String(i), title: f.title.join(' '), abstract: f.abstract.join(' '), people: f.people.join(' ') });
  }
});
const corpus = new MemoryCorpus();
for (const p of papers) corpus.add(fieldsOf(p));

const PRESENCE = { optional: lunr.Query.presence.OPTIONAL, required: lunr.Query.presence.REQUIRED, prohibited: lunr.Query.presence.PROHIBITED } as const;

function viaLunr(clauses: readonly ScoredClause[]): Array<{ doc: number; score: number; matched: string[] }> {
  return idx
    .query((q) => {
      for (const c of clauses) for (const t of c.terms) q.term(t.term, { usePipeline: false, presence: PRESENCE[c.presence], boost: t.boost });
    })
    .map((r) => ({ doc: Number(r.ref), score: r.score, matched: Object.keys(r.matchData.metadata).sort() }));
}

function viaPostings(clauses: readonly ScoredClause[]) {
  return scoreClauses(clauses, corpus).map((m) => ({ ...m, matched: [...m.matched].sort() }));
}

function expectSameRanking(clauses: ScoredClause[]): void {
  const want = viaLunr(clauses);
  const got = viaPostings(clauses);
  expect(got.map((m) => m.doc).sort((a, b) => a - b)).toEqual(want.map((m) => m.doc).sort((a, b) => a - b));
  const byDoc = new Map(got.map((m) => [m.doc, m]));
  for (const w of want) {
    expect(byDoc.get(w.doc)?.score).toBeCloseTo(w.score, 9);
    expect(byDoc.get(w.doc)?.matched).toEqual(w.matched);
  }
}

const vocabulary = [...new Set(papers.flatMap((p) => Object.values(fieldsOf(p)).flat()))].sort();
const one = (term: string, presence: ScoredClause['presence'] = 'optional', boost = 1): ScoredClause => ({ terms: [{ term, boost }], presence });

describe('postings scorer', () => {
  it('encodes and decodes postings losslessly, large numbers included', () => {
    const postings: Posting[] = [
      { doc: 0, field: 0, tf: 1 },
      { doc: 5, field: 2, tf: 300 },
      { doc: 5, field: 1, tf: 1 },
      { doc: 2_000_000, field: 1, tf: 70_000 },
    ];
    const back: Posting[] = [];
    decodePostings(encodePostings(postings), (doc, field, tf) => back.push({ doc, field, tf }));
    expect(back).toEqual(postings);
  });

  it('merges segments in document order into the bytes their kept postings encode to, dropping the rejected documents', () => {
    const segments: Posting[][] = [
      [
        { doc: 1, field: 0, tf: 2 },
        { doc: 1, field: 1, tf: 1 },
        { doc: 300, field: 1, tf: 4 },
      ],
      [{ doc: 301, field: 2, tf: 1 }],
      [
        { doc: 20_000, field: 0, tf: 1 },
        { doc: 2_000_000, field: 1, tf: 70_000 },
      ],
    ];
    const dead = new Set([300, 20_000]);
    const merged = mergePostings(segments.map(encodePostings), (doc) => !dead.has(doc));
    const kept = segments.flat().filter((p) => !dead.has(p.doc));
    expect([...merged]).toEqual([...encodePostings(kept)]);
  });

  it('merges segments out of document order by sorting their postings, as one encoding of them all', () => {
    const later: Posting[] = [{ doc: 9, field: 1, tf: 1 }];
    const earlier: Posting[] = [
      { doc: 2, field: 0, tf: 3 },
      { doc: 9, field: 0, tf: 1 },
    ];
    const merged = mergePostings([encodePostings(later), encodePostings(earlier)], () => true);
    expect([...merged]).toEqual([...encodePostings([earlier[0], earlier[1], later[0]] as Posting[])]);
  });

  it('scores single words, common and rare, exactly as lunr does', () => {
    for (const term of ['memori', 'kv', 'cach', 'quantiz', 'agent', 'zebrafish', 'model', 'checkpoint']) expectSameRanking([one(term)]);
  });

  it('scores multi-word queries with boosts, and a word given twice, exactly as lunr does', () => {
    expectSameRanking([one('kv'), one('cach'), one('quantiz')]);
    expectSameRanking([one('agent', 'optional', 0.3), one('memori', 'optional', 2), one('benchmark')]);
    expectSameRanking([one('memori'), one('memori', 'optional', 0.5)]);
  });

  it('applies required and prohibited clauses as lunr does', () => {
    expectSameRanking([one('memori', 'required'), one('agent')]);
    expectSameRanking([one('memori'), one('agent'), one('benchmark', 'prohibited')]);
    expectSameRanking([one('memori', 'required'), one('qqqzzz', 'required')]);
  });

  it('matches lunr on random queries of corpus words', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            i: fc.nat(vocabulary.length - 1),
            presence: fc.constantFrom('optional', 'optional', 'required', 'prohibited'),
            boost: fc.constantFrom(1, 0.3, 0.5, 2),
          }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        (picks) => {
          const clauses = picks.map((p) => one(vocabulary[p.i] ?? 'memori', p.presence as ScoredClause['presence'], p.boost));
          // lunr answers a query of prohibited clauses only with every document; the search index never asks that.
          fc.pre(clauses.some((c) => c.presence !== 'prohibited'));
          expectSameRanking(clauses);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the ranking with lunr as its base scorer', () => {
  it.each(['diffusion video', 'kv cache quantization', 'agent memory'])(
    'scores %j as lunr.Index.query does (tiers that would reorder switched off)',
    (text) => {
      const q = parseQuery(text);
      if (!q.ok) throw new Error(q.error.message);
      const ranker = SearchRanker.fromPapers(papers, { ranking: { base: 'lunr', allConceptsFirstUpTo: 0, coveragePower: 0 } });
      const hits = ranker.search(q.value).hits;
      const want = viaLunr(q.value.terms.map((t) => ({ terms: [{ term: t.term, boost: 1 }], presence: 'optional' })));
      const top = Math.max(...want.map((m) => m.score));
      const lunrScore = new Map(want.map((m) => [papers[m.doc]?.id, m.score / top]));
      expect(hits.length).toBe(want.length);
      for (const h of hits) expect(h.score).toBeCloseTo(lunrScore.get(h.id) ?? NaN, 9);
    },
  );
});
