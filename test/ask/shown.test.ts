// Which sentence of each cited paper an answer shows: its contribution or finding that best covers the question, standing alone.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PICK, pickSentences, type Candidate } from '../../src/ask/answer.js';
import { extractive, lookUp, questionTerms } from '../../src/ask/compose.js';
import { contentOf } from '../../src/ask/sentence.js';
import type { Paper } from '../../src/papers/model.js';

function paper(id: string, title: string, abstract: string): Paper {
  return { id, title, abstract, authors: [], authorCount: null, org: null, publishedAt: '2025-11-01', upvotes: 0, arxivId: null, thumbnail: null, sources: [] };
}

const c = (p: Paper, relevance = 1): Candidate => ({ paper: p, relevance });
const opts = { ...DEFAULT_PICK, paperCutoff: 0 };

/** Its first sentence covers the question best and is background; its contribution sentence covers less of it. */
const thinner = paper(
  'thinner',
  'Thinner: Pruning Key Channels of the Cache',
  'Large language models face significant memory challenges in the KV cache when processing long contexts of long-context models. ' +
    'We propose Thinner, a pruning method that removes the least significant key channels to compress the cache. ' +
    'Thinner reduces KV cache memory by 20% with no loss of accuracy on long-context benchmarks.',
);
/** Background only: no sentence says what the paper proposes or finds. */
const survey = paper(
  'survey',
  'Memory in long-context models',
  'The KV cache of long-context models has become a major bottleneck for memory in serving systems. ' +
    'Long contexts are increasingly common in chat assistants and retrieval systems today.',
);

describe('sentences an answer shows', () => {
  const question = questionTerms(lookUp('how can I compress the KV cache of a long-context model?'));

  it("a cited paper is shown by its contribution or finding sentence, never its background sentence, and the citations are the picker's", () => {
    const draft = extractive(question, [c(thinner)], opts);
    const picked = pickSentences(question, [c(thinner)], opts);
    expect(draft.cited.map((p) => p.id)).toEqual([...new Set(picked.map((p) => p.paperId))]);
    expect(draft.sentences.length).toBeGreaterThan(0);
    for (const s of draft.sentences) expect(contentOf(s.text)).toBe(1);
    expect(draft.sentences.map((s) => s.text).join(' ')).not.toMatch(/face significant memory challenges/);
  });

  it('a paper with only background sentences still gets one', () => {
    const draft = extractive(question, [c(thinner), c(survey)], opts);
    const surveyNumber = draft.cited.findIndex((p) => p.id === 'survey') + 1;
    expect(surveyNumber).toBeGreaterThan(0);
    const ofSurvey = draft.sentences.filter((s) => s.cites.includes(surveyNumber));
    expect(ofSurvey).toHaveLength(1);
  });

  it('a shown sentence never opens with a connective or anaphor whose antecedent is not shown', () => {
    const dangling = paper(
      'dangling',
      'Squeeze: Query-Aware Cache Compression',
      'However, the KV cache of long-context models grows with every token. ' +
        'To address this, we propose Squeeze, which compresses the KV cache of long-context models by query-aware eviction. ' +
        'Yet existing compression of the KV cache loses accuracy on long-context tasks. ' +
        'Despite these advances, compressing the KV cache of long-context models remains hard. ' +
        'The proposed method compresses the KV cache by 4x on long-context benchmarks. ' +
        'These results show the KV cache of long-context models can be compressed.',
    );
    const draft = extractive(question, [c(dangling)], { ...opts, minScore: 0, maxSentences: 5 });
    expect(draft.sentences.length).toBeGreaterThan(0);
    for (const s of draft.sentences) {
      expect(s.text).not.toMatch(/^(?:however|yet|despite|to address|this|these|those|such|it|they|the proposed)\b/i);
    }
    expect(draft.sentences.map((s) => s.text)).toContain('Squeeze compresses the KV cache by 4x on long-context benchmarks.');
  });
});

describe('papers the picker cites by a sentence that cannot be shown', () => {
  it('a paper cited for a sentence that cannot stand alone is still cited, and shown by its own contribution', () => {
    const atlas = paper(
      'atlas',
      'Atlas: Learning to Memorize Long Contexts',
      'Despite their recent success, they struggle with long context understanding and extrapolation to longer sequences of recurrent models. ' +
        'We present Atlas, a long-term memory module with high capacity that learns to memorize the context.',
    );
    const question2 = questionTerms(lookUp('why do recurrent models struggle with long context?'));
    const draft = extractive(question2, [c(atlas)], opts);
    expect(draft.cited.map((p) => p.id)).toEqual(['atlas']);
    expect(draft.sentences.map((s) => s.text)).toEqual(['We present Atlas, a long-term memory module with high capacity that learns to memorize the context.']);
  });
});
