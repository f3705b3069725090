// Synthesized answers grouped by approach: papers whose contribution shares a distinctive term go together, under that term.
import { describe, expect, it } from 'vitest';
import { groupByApproach } from '../../src/ask/approach.js';
import { DEFAULT_PICK, type Candidate } from '../../src/ask/answer.js';
import { extractive, lookUp, questionTerms } from '../../src/ask/compose.js';
import type { Paper } from '../../src/papers/model.js';
import type { Corpus } from '../../src/search/related.js';
import { termOf } from '../../src/search/analysis/terms.js';

function paper(id: string, title: string, abstract: string): Paper {
  return { id, title, abstract, authors: [], authorCount: null, org: null, publishedAt: '2025-11-01', upvotes: 0, arxivId: null, thumbnail: null, sources: [] };
}

const quantA = paper(
  'a',
  'Quantization of the KV cache to two bits',
  'We compress the kv cache by quantization of keys per channel to two bits, cutting memory four times.',
);
const evict = paper(
  'b',
  'Eviction of KV cache entries by attention',
  'We compress the kv cache by eviction of entries with low attention, keeping memory within a budget.',
);
const quantC = paper(
  'c',
  'Outlier-aware quantization for the KV cache',
  'We compress the kv cache by quantization of values to four bits, keeping outliers in full precision.',
);

/** A library of 100 papers: the two approach words are rare, the rest of the vocabulary common. */
const holders: Record<string, string[]> = {
  [termOf('quantization') ?? '']: ['a', 'c', 'x1', 'x2', 'x3', 'x4'],
  [termOf('eviction') ?? '']: ['b', 'x5', 'x6'],
};
const corpus: Corpus = {
  size: 100,
  holders: (word) => holders[termOf(word) ?? ''] ?? Array.from({ length: 60 }, (_v, i) => `common${i}`),
};

const c = (p: Paper): Candidate => ({ paper: p, relevance: 1 });
const opts = { ...DEFAULT_PICK, paperCutoff: 0, minScore: 0, maxSentences: 3 };

describe('synthesis by approach', () => {
  it('synthesis groups two quantization papers under one approach, and the eviction paper under its own', () => {
    const draft = extractive(questionTerms(lookUp('how to compress the kv cache')), [c(quantA), c(evict), c(quantC)], opts, corpus);
    expect(draft.sentences.map((s) => s.text)).toEqual([`Quantization: ${quantA.abstract}`, quantC.abstract, `Eviction: ${evict.abstract}`]);
    expect(draft.sentences.map((s) => s.cites)).toEqual([[1], [2], [3]]);
    expect(draft.cited.map((p) => p.id)).toEqual(['a', 'c', 'b']);
  });

  it('papers that share no distinctive term stay one paragraph each, without labels', () => {
    const picked = [
      { paperId: 'a', text: quantA.abstract, score: 1 },
      { paperId: 'b', text: evict.abstract, score: 1 },
    ];
    const papers = new Map([quantA, evict].map((p) => [p.id, p]));
    const groups = groupByApproach(picked, papers, questionTerms(lookUp('kv cache compression')), corpus);
    expect(groups).toEqual([
      { label: null, picked: [picked[0]] },
      { label: null, picked: [picked[1]] },
    ]);
  });

  it('a word most of the library holds, or one of the question, is never an approach', () => {
    const picked = [
      { paperId: 'a', text: quantA.abstract, score: 1 },
      { paperId: 'c', text: quantC.abstract, score: 1 },
    ];
    const papers = new Map([quantA, quantC].map((p) => [p.id, p]));
    // "quantization" is asked about: the papers share nothing else distinctive.
    const groups = groupByApproach(picked, papers, questionTerms(lookUp('kv cache quantization')), corpus);
    expect(groups.map((g) => g.label)).toEqual([null, null]);
  });
});
