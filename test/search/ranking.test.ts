// Ranking rules: coverage of the query's rare words, typo correction only for words that are not ordinary, exact matches first.
import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/papers/model.js';
import { SearchRanker, type RankerOptions } from '../../src/search/ranker.js';
import { parseQuery, type ParsedQuery } from '../../src/search/query.js';

/** A query that must parse. */
function parsed(text: string): ParsedQuery {
  const r = parseQuery(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
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

describe('ranking', () => {
  it('a paper matching every query word outranks one that repeats a single word', () => {
    const index = SearchRanker.fromPapers([
      ...filler,
      paper('repeat', 'Episodic episodic episodic', 'Episodic traces, episodic recall, episodic episodes.'),
      paper('both', 'A study', 'An episodic robot navigation system with a small map.'),
    ]);
    const hits = index.search(parsed('episodic robot navigation')).hits.map((h) => h.paper.id);
    expect(hits[0]).toBe('both');
    expect(hits).toContain('repeat');
  });

  it('a typo in a short query is read as the closest corpus word', () => {
    const index = SearchRanker.fromPapers([...filler, paper('q', 'Quantization of weights', 'Low-bit quantization keeps accuracy.')]);
    const outcome = index.search(parsed('quantizaiton'));
    expect(outcome.hits.map((h) => h.paper.id)).toEqual(['q']);
    expect(outcome.corrected).toEqual([{ word: 'quantizaiton', to: ['quantization'] }]);
  });
});

describe('ranking: ordinary words are not typos', () => {
  const corpus = [
    ...filler,
    paper('weak', 'Weak supervision at scale', 'Weak labels from heuristics train a classifier.'),
    paper('growing', 'Growing networks', 'A network keeps growing new units while it trains.'),
  ];

  it('search: "week" is not read as "weak", nor "grokking" as "growing", and the outcome names them as matching nothing', () => {
    const index = SearchRanker.fromPapers(corpus);
    for (const word of ['week', 'grokking']) {
      const outcome = index.search(parsed(word));
      expect(outcome.hits).toEqual([]);
      expect(outcome.corrected).toEqual([{ word, to: [] }]);
    }
  });

  it('search: a word that is neither in the corpus nor an ordinary word is still corrected', () => {
    const outcome = SearchRanker.fromPapers(corpus, { now: () => 0 }).search(parsed('supervison'));
    expect(outcome.corrected).toEqual([{ word: 'supervison', to: ['supervision'] }]);
    expect(outcome.hits.map((h) => h.paper.id)).toEqual(['weak']);
  });

  it("search: a British spelling the analysis does not fold is read as the corpus's American one, and both spellings meet", () => {
    const index = SearchRanker.fromPapers([
      ...filler,
      paper('artifacts', 'Compression artifacts', 'Artifacts in decoded images.'),
      paper('dialog', 'Dialog agents', 'A dialog policy for task agents.'),
      paper('dialogue', 'Dialogue state tracking', 'Tracking dialogue state over turns.'),
    ]);
    const outcome = index.search(parsed('artefacts'));
    expect(outcome.corrected).toEqual([{ word: 'artefacts', to: ['artifacts'] }]);
    expect(outcome.hits.map((h) => h.paper.id)).toEqual(['artifacts']);
    expect(
      index
        .search(parsed('dialogue'))
        .hits.map((h) => h.paper.id)
        .sort(),
    ).toEqual(['dialog', 'dialogue']);
  });

  it('search: the allowed edit distance grows with the word: none for three letters, one up to seven, two from eight', () => {
    const index = SearchRanker.fromPapers([...filler, paper('w', 'Wav tokens', 'Wav files and spectrogram tokens.')], { isWord: () => false });
    expect(index.search(parsed('wac')).hits).toEqual([]);
    expect(index.search(parsed('spectrugrem')).corrected).toEqual([{ word: 'spectrugrem', to: ['spectrogram'] }]);
    expect(index.search(parsed('spectrugrm')).corrected).toEqual([{ word: 'spectrugrm', to: ['spectrogram'] }]);
    expect(index.search(parsed('tokkkns')).corrected).toEqual([{ word: 'tokkkns', to: [] }]);
  });
});

describe('ranking: exact matches first', () => {
  it('search: an organisation named in the question ranks its paper first', () => {
    const index = SearchRanker.fromPapers([
      ...filler,
      { ...paper('apple', 'Hierarchical memories for pretraining', 'Long-tail knowledge is kept in a memory bank.'), org: 'Apple' },
      paper('p1', 'A survey of surveys', 'We review published studies of language models.'),
      paper('p2', 'Literature search', 'A benchmark of published papers and their citations.'),
      paper('p3', 'Fruit images', 'We classify apple and pear images; the data are published.'),
    ]);
    expect(index.search(parsed('what did Apple publish')).hits[0]?.paper.id).toBe('apple');
  });

  it('search: a short query ranks the papers that have every one of its words above those that have two of three', () => {
    const corpus = [
      ...filler.map((p) => ({ ...p, abstract: `${p.abstract} The memory use is reported.` })),
      paper('two', 'Agent Benchmark: benchmarking agents', 'An agent benchmark for agents, with benchmark results for every agent.'),
      paper('all', 'A study', 'We study memory in an agent and report a benchmark.'),
    ];
    const ids = (options: RankerOptions = {}) =>
      SearchRanker.fromPapers(corpus, options)
        .search(parsed('agent memory benchmark'))
        .hits.map((h) => h.paper.id);
    expect(ids().slice(0, 2)).toEqual(['all', 'two']);
    // Without the rule, term frequency in the title wins: the test corpus does tell the two apart.
    expect(ids({ ranking: { allConceptsFirstUpTo: 0 } }).slice(0, 2)).toEqual(['two', 'all']);
  });

  it('search: a query that is a paper\'s name ("A-MEM") puts that paper before longer names that start the same way', () => {
    const index = SearchRanker.fromPapers([
      ...filler,
      {
        // More about "mem" than A-MEM itself by term counts: only the name match puts A-MEM first.
        ...paper('guard', 'A-MemGuard: Defending A-MEM Memory', 'A-MEM is poisoned; A-MEM recovers; every A-MEM memory is checked.'),
        upvotes: 50,
      },
      paper('amem', 'A-MEM: Agentic Memory for LLM Agents', 'An agentic memory system.'),
    ]);
    expect(index.search(parsed('A-MEM')).hits[0]?.paper.id).toBe('amem');
  });
});

describe('ranking: scoring scratch', () => {
  it('a search scores the same after a search of a larger corpus (the per-paper arrays are reused, not left holding its scores)', () => {
    const small = [...filler.slice(0, 5), paper('needle', 'Episodic navigation', 'An episodic robot navigation system.')];
    const alone = SearchRanker.fromPapers(small)
      .search(parsed('episodic navigation model'))
      .hits.map((h) => [h.paper.id, h.score]);
    const big = SearchRanker.fromPapers([
      ...filler,
      ...Array.from({ length: 200 }, (_, i) => paper(`e${i}`, `Episodic model ${i}`, 'Episodic navigation of a model.')),
    ]);
    expect(big.search(parsed('episodic navigation model')).total).toBeGreaterThan(200);
    const after = SearchRanker.fromPapers(small)
      .search(parsed('episodic navigation model'))
      .hits.map((h) => [h.paper.id, h.score]);
    expect(after).toEqual(alone);
  });
});
