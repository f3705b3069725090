// A corpus with more papers on one topic than a page shows, for paging and pick-list tests.
import type { Paper } from '../../src/papers/model.js';
import { testPapers } from './papers.js';

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett', 'kilo', 'lima'];

/** Twelve papers on "sparse attention", so a search has three pages of five. */
export const manyPapers: Paper[] = [
  ...testPapers,
  ...Array.from({ length: 12 }, (_v, i) => ({
    id: `t-sparse-attention-study-${i + 1}-x${i}`,
    arxivId: null,
    title: `Sparse Attention Study ${WORDS[i]}: ${['routing', 'pruning', 'hashing', 'windows', 'blocks', 'strides'][i % 6]} for long inputs`,
    // NOTE: no digits in titles and abstracts: a bare "7" must not match a paper by its words.
    abstract: `Sparse attention with ${WORDS[i]} windows keeps long inputs cheap.`,
    publishedAt: `2025-11-${String(10 + i).padStart(2, '0')}`,
    upvotes: 20 - i,
    authors: [],
    authorCount: 1,
    org: null,
    thumbnail: null,
    sources: [{ name: 'test' }],
  })),
];
