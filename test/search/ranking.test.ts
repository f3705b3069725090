// Ranking rules of the index: coverage of the query's rare words beats repeating one common word.
import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/papers/model.js';
import { SearchRanker } from '../../src/search/index.js';
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
