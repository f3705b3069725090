// Paper links: what users click is a well-formed URL that every renderer can link.
import { describe, expect, it } from 'vitest';
import { paperLinks } from '../../src/papers/model.js';
import { safeUrl } from '../../src/replyFormat.js';

describe('paper links', () => {
  it('a paper with an arXiv id links its Hugging Face page, the abstract and the PDF', () => {
    expect(paperLinks({ arxivId: '2402.02750', title: 'KIVI' })).toEqual({
      page: 'https://huggingface.co/papers/2402.02750',
      arxivAbs: 'https://arxiv.org/abs/2402.02750',
      pdf: 'https://arxiv.org/pdf/2402.02750',
    });
  });

  it('a title search link escapes parentheses and quotes, so Discord and Slack can link it', () => {
    const { page } = paperLinks({ arxivId: null, title: "KIVI (2-bit) isn't *free*!" });
    expect(page).toBe('https://huggingface.co/papers?q=KIVI%20%282-bit%29%20isn%27t%20%2Afree%2A%21');
    expect(safeUrl(page)).toBe(page);
    expect(decodeURIComponent(new URL(page).searchParams.get('q') ?? '')).toBe("KIVI (2-bit) isn't *free*!");
  });
});
