// What a sentence carries and whether it stands alone: what answers and gists are made of.
import { describe, expect, it } from 'vitest';
import { contentOf, paperName, standAlone } from '../../src/ask/sentence.js';

describe('sentences that stand alone', () => {
  it('an opening connective is dropped and the sentence reads on its own', () => {
    expect(standAlone('However, the cache grows linearly with the sequence length of the input.', null)).toBe(
      'The cache grows linearly with the sequence length of the input.',
    );
    expect(standAlone('To address these bottlenecks, we introduce ScaleKV, a novel KV cache compression framework.', 'ScaleKV')).toBe(
      'We introduce ScaleKV, a novel KV cache compression framework.',
    );
    expect(standAlone('Yet, the key-value cache significantly increases memory demands.', 'KIVI')).toBe(
      'The key-value cache significantly increases memory demands.',
    );
  });

  it('"Despite these advances,", "For this reason,", "Overall," and a bare "Yet" or "Thus" opening are dropped from the sentences an answer shows', () => {
    expect(standAlone('Despite these advances, compressing the KV cache remains hard.', 'KIVI', true)).toBe('Compressing the KV cache remains hard.');
    expect(standAlone('For this reason, the cache is kept in full precision.', null, true)).toBe('The cache is kept in full precision.');
    expect(standAlone('To enhance all these three aspects, we present ATLAS, a long-term memory module.', 'ATLAS', true)).toBe(
      'We present ATLAS, a long-term memory module.',
    );
    expect(standAlone('For the second concern, we train a series of Mamba-2 models on long documents.', null, true)).toBe(
      'We train a series of Mamba-2 models on long documents.',
    );
    expect(standAlone('Overall, KIVI cuts peak memory by 2.6 times.', 'KIVI', true)).toBe('KIVI cuts peak memory by 2.6 times.');
    expect(standAlone('Yet existing methods lose accuracy at two bits.', 'KIVI', true)).toBe('Existing methods lose accuracy at two bits.');
    expect(standAlone('Thus we propose a tuning-free 2bit KV cache quantization algorithm.', 'KIVI', true)).toBe(
      'KIVI proposes a tuning-free 2bit KV cache quantization algorithm.',
    );
  });

  it('"The proposed method" is the paper, named, in the sentences an answer shows', () => {
    expect(standAlone('The proposed method compresses the KV cache by 4x.', 'Squeeze', true)).toBe('Squeeze compresses the KV cache by 4x.');
    expect(standAlone('The proposed method compresses the KV cache by 4x.', null, true)).toBeNull();
  });

  it('the paper referring to itself becomes its name, or the sentence is left out when it has none', () => {
    expect(standAlone('This paper focuses on the long-context scenario of KV cache memory.', 'ThinK')).toBe(
      'ThinK focuses on the long-context scenario of KV cache memory.',
    );
    expect(standAlone('We propose a tuning-free 2bit KV cache quantization algorithm.', 'KIVI')).toBe(
      'KIVI proposes a tuning-free 2bit KV cache quantization algorithm.',
    );
    expect(standAlone('It quantizes keys per channel and values per token.', 'KIVI')).toBe('KIVI quantizes keys per channel and values per token.');
    expect(standAlone('This paper focuses on the long-context scenario of KV cache memory.', null)).toBeNull();
  });

  it('a sentence opening with what is not shown ("This ensures", "These methods") cannot stand', () => {
    expect(standAlone('This ensures efficient and contextually accurate predictions.', 'SentenceKV')).toBeNull();
    expect(standAlone('These methods fail to preserve accuracy at two bits.', 'KIVI')).toBeNull();
  });

  it("a paper's name is its title before the colon when that is short", () => {
    expect(paperName({ title: 'KIVI: A Tuning-Free Asymmetric 2bit Quantization for KV Cache' })).toBe('KIVI');
    expect(paperName({ title: 'Quantizing Large Language Models for Code Generation: A Differentiated Replication' })).toBeNull();
  });

  it('contribution and finding sentences are told from background', () => {
    expect(contentOf('We propose KIVI, a tuning-free 2bit KV cache quantization algorithm.')).toBe(1);
    expect(contentOf('KIVI reduces peak memory usage by up to 2.6 times.')).toBe(1);
    expect(contentOf('Large Language Models (LLMs) have revolutionized the field of natural language processing.')).toBe(0);
    expect(contentOf('Large language models face significant computational and memory challenges when processing long contexts.')).toBe(0);
  });

  it('a sentence the paper\'s name opens as the subject of what it does is a contribution (standAlone\'s "KIVI proposes …")', () => {
    expect(contentOf('KIVI proposes a tuning-free 2bit KV cache quantization algorithm.', 'KIVI')).toBe(1);
    expect(contentOf('KIVI quantizes keys per channel and values per token.', 'KIVI')).toBe(1);
    expect(contentOf('KIVI is a name that several papers use.', 'KIVI')).toBe(0.5);
  });
});
