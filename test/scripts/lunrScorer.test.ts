// The evaluation's lunr scorer (scripts/lunrScorer.ts) ranks exactly as lunr does: same BM25 weights, same query vector, same required/prohibited rules.
import path from 'node:path';
import fc from 'fast-check';
import lunr from 'lunr';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { loadSeedDir } from '../../src/papers/seeds.js';
import { FIELD_BOOSTS, lunrBase, scoreClauses, type ScoredClause } from '../../scripts/lunrScorer.js';
import { MemoryCorpus } from '../../src/search/corpusData.js';
import { FIELDS, type Field } from '../../src/search/document.js';
import { SearchRanker } from '../../src/search/ranker.js';
import { parseQuery } from '../../src/search/query.js';
import { analyze, compounds } from '../../src/search/analysis/analyze.js';

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
      const ranker = SearchRanker.fromPapers(papers, { ranking: { allConceptsFirstUpTo: 0 }, base: lunrBase });
      const hits = ranker.search(q.value).hits;
      const want = viaLunr(q.value.terms.map((t) => ({ terms: [{ term: t.term, boost: 1 }], presence: 'optional' })));
      const top = Math.max(...want.map((m) => m.score));
      const lunrScore = new Map(want.map((m) => [papers[m.doc]?.id, m.score / top]));
      expect(hits.length).toBe(want.length);
      for (const h of hits) expect(h.score).toBeCloseTo(lunrScore.get(h.id) ?? NaN, 9);
    },
  );
});
