// Display text: LaTeX and PDF residue from the real sources becomes readable text, ordinary words stay, and the source text is kept for search.
import { describe, expect, it } from 'vitest';
import { cleanDisplayText, cleanPaperText } from '../../src/papers/displayText.js';
import { checkPaper } from '../../src/papers/model.js';
import { testPapers } from '../support/papers.js';

describe('display text', () => {
  it.each([
    // Each from an abstract or title in seeds/*.txt or test/fixtures/hf.
    ['H$_2$O: Heavy-Hitter Oracle for Efficient Generative Inference', 'H₂O: Heavy-Hitter Oracle for Efficient Generative Inference'],
    [
      'a balance of recent and H_2 tokens. Our implementation of H_2O with 20% heavy hitters',
      'a balance of recent and H₂ tokens. Our implementation of H₂O with 20% heavy hitters',
    ],
    ['while using 2.6times less peak memory usage', 'while using 2.6× less peak memory usage'],
    ['bringing 2.35times sim 3.47times throughput on real LLM inference', 'bringing 2.35× ~ 3.47× throughput on real LLM inference'],
    ['a small portion (less than 5\\%) of the attention heads', 'a small portion (less than 5%) of the attention heads'],
    ['performs Gemma 2B by sim7\\% after instruction tuning', 'performs Gemma 2B by ~7% after instruction tuning'],
    ['with up to 2.4\\times speedup in matrix multiplication', 'with up to 2.4× speedup in matrix multiplication'],
    ['speed up fine-tuning by 1.4times-6.9times', 'speed up fine-tuning by 1.4×-6.9×'],
    ['Flash-GMM achieves a 20times speedup', 'Flash-GMM achieves a 20× speedup'],
    ['NPU-only, and a na\\"ive NPU+PIM integrated accelerator', 'NPU-only, and a naïve NPU+PIM integrated accelerator'],
    ['growing memory (i.e., O(L^2) complexity), IO bounds O(N^2 d^2 M^{-1})', 'growing memory (i.e., O(L²) complexity), IO bounds O(N² d² M⁻¹)'],
    ['trajectories for about \\$4000 and fine-tune', 'trajectories for about $4000 and fine-tune'],
    ['Working in progress.\\url{https://github.com/wb/x_2}', 'Working in progress.https://github.com/wb/x_2'],
    ['Code is available at: {\\footnotesizeblue{https://github.com/a/b}}', 'Code is available at: https://github.com/a/b'],
    ['a \\textbf{fine-grained} and $\\sim$ 3 times faster', 'a fine-grained and ~ 3 times faster'],
    ['an eﬃcient, ﬁne-grained ﬂow', 'an efficient, fine-grained flow'],
  ])('%j reads as %j', (raw, shown) => {
    expect(cleanDisplayText(raw)).toBe(shown);
  });

  it('"times" and "sim" as ordinary words, names with underscores and prices stay as they are', () => {
    const prose =
      'three times faster, 60 times (10.72 FPS), 2 to 3 times lower compute; sim-to-real, sim2real and a sim 2 benchmark; RoBERTa_Large, Diff_Only, arc_memo; $5 and $6';
    expect(cleanDisplayText(prose)).toBe(prose);
  });

  it('cleaning clean text changes nothing, so stored text can be cleaned again on every read', () => {
    for (const raw of ['H$_2$O with H_2 tokens', '2.35times sim 3.47times', 'about \\$4000 and \\$5', '5\\% and $\\times$ 2']) {
      const once = cleanDisplayText(raw);
      expect(cleanDisplayText(once)).toBe(once);
    }
  });
});

describe('checkPaper', () => {
  it('stores a paper from any source with its title and abstract cleaned and the source text kept for search', () => {
    const base = testPapers[0];
    if (!base) throw new Error('no test paper');
    const checked = checkPaper({
      ...base,
      title: 'H$_2$O: Heavy-Hitter Oracle',
      abstract: 'up to 29times faster, 5\\% of heads',
      aiSummary: 'A 2.6times smaller cache.',
    });
    if (!checked.ok) throw new Error(checked.error);
    expect(checked.value).toMatchObject({ title: 'H₂O: Heavy-Hitter Oracle', abstract: 'up to 29× faster, 5% of heads', aiSummary: 'A 2.6× smaller cache.' });
    expect(checked.value.rawText).toEqual({ title: 'H$_2$O: Heavy-Hitter Oracle', abstract: 'up to 29times faster, 5\\% of heads' });
    expect(cleanPaperText(checked.value)).toBe(checked.value);
  });

  it('a paper with nothing to clean carries no source copy', () => {
    const base = testPapers[0];
    if (!base) throw new Error('no test paper');
    const checked = checkPaper(base);
    expect(checked.ok && checked.value.rawText).toBeUndefined();
  });
});
