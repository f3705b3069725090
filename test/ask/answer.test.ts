// The sentence picker and citation numbering: what an extractive answer is made of.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PICK, numberCitations, pickSentences, type Candidate } from '../../src/ask/answer.js';
import { extractive, lookUp, questionTerms } from '../../src/ask/compose.js';
import type { Paper } from '../../src/papers/model.js';

function paper(id: string, abstract: string, title = `Paper ${id}`): Paper {
  return { id, title, abstract, authors: [], authorCount: null, org: null, publishedAt: '2025-11-01', upvotes: 0, arxivId: null, thumbnail: null, sources: [] };
}

const c = (p: Paper, relevance = 1): Candidate => ({ paper: p, relevance });
const opts = { ...DEFAULT_PICK, paperCutoff: 0 };

describe('sentence picker', () => {
  it('picks the sentences that answer the question, not the ones that only share the topic', () => {
    const a = paper(
      'a',
      'Large language models are widely deployed in many products today. We compress the key value cache with two bit quantization to cut memory by four times.',
    );
    const picked = pickSentences(questionTerms(lookUp('how to compress the kv cache with quantization')), [c(a)], opts);
    expect(picked.map((p) => p.text)).toEqual(['We compress the key value cache with two bit quantization to cut memory by four times.']);
  });

  it('matches British spellings and word forms as search does (quantisation ~ quantized)', () => {
    const a = paper('a', 'The cache is quantized to two bits per channel for every layer of the network.');
    expect(pickSentences(questionTerms(lookUp('kv cache quantisation')), [c(a)], opts)).toHaveLength(1);
  });

  it('a sentence repeating one already chosen loses to a new point', () => {
    const repeat = 'The method compresses the kv cache of attention layers by quantization of keys.';
    const a = paper('a', `${repeat} Nothing else is said here at all, really nothing.`);
    const b = paper('b', `${repeat.replace('The method', 'A method')} A second idea: the kv cache is evicted by attention scores to save memory.`);
    const picked = pickSentences(questionTerms(lookUp('kv cache compression attention quantization memory')), [c(a), c(b)], {
      ...opts,
      minScore: 0,
      maxSentences: 2,
    });
    expect(picked).toHaveLength(2);
    expect(picked[1]?.text).toMatch(/evicted/);
  });

  it('nothing is picked when no sentence covers enough of the question', () => {
    const a = paper('a', 'We study protein folding with diffusion models on large biological datasets.');
    expect(pickSentences(questionTerms(lookUp('kv cache compression for long context inference serving')), [c(a)], opts)).toEqual([]);
  });

  it('papers far below the best hit are not cited', () => {
    const a = paper('a', 'We compress the kv cache with quantization to save memory on long contexts.');
    const b = paper('b', 'We also compress the kv cache with quantization, in another way entirely.');
    const picked = pickSentences(questionTerms(lookUp('kv cache quantization')), [c(a, 1), c(b, 0.2)], { ...DEFAULT_PICK, paperCutoff: 0.5 });
    expect(new Set(picked.map((p) => p.paperId))).toEqual(new Set(['a']));
  });
});

describe('citations', () => {
  it('are numbered in order of first use, and a paper cited twice keeps its number', () => {
    const { sentences, papers } = numberCitations([
      { text: 'One.', paperIds: ['x'] },
      { text: 'Two.', paperIds: ['y'] },
      { text: 'Three.', paperIds: ['x', 'z'] },
    ]);
    expect(papers).toEqual(['x', 'y', 'z']);
    expect(sentences.map((s) => s.cites)).toEqual([[1], [2], [1, 3]]);
  });

  it('every sentence of an extractive answer cites the paper it was taken from', () => {
    const a = paper('a', 'The kv cache is compressed by quantization to two bits in this work.');
    const b = paper('b', 'We evict kv cache entries with low attention to compress memory use.');
    const draft = extractive(questionTerms(lookUp('kv cache compression')), [c(a), c(b)], opts);
    expect(draft.sentences.length).toBeGreaterThan(0);
    for (const s of draft.sentences) {
      expect(s.cites.length).toBeGreaterThan(0);
      const source = draft.cited[(s.cites[0] ?? 0) - 1];
      expect(source?.abstract).toContain(s.text);
    }
  });
});
