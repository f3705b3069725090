// Paper links in a message: every supported site and form is read as its arXiv id, other links are not, and one message gets at most five cards.
import { describe, expect, it } from 'vitest';
import { linksToCard, MAX_LINK_CARDS, paperLinkId, paperLinksIn } from '../../src/links/parse.js';

describe('paper links in a message', () => {
  it.each([
    ['https://arxiv.org/abs/2402.02750', '2402.02750'],
    ['https://arxiv.org/abs/2402.02750v3', '2402.02750'],
    ['http://www.arxiv.org/pdf/2402.02750v2', '2402.02750'],
    ['https://arxiv.org/pdf/2402.02750.pdf', '2402.02750'],
    ['https://arxiv.org/pdf/2402.02750v1.pdf', '2402.02750'],
    ['https://arxiv.org/html/2402.02750v2', '2402.02750'],
    ['https://arxiv.org/html/2402.02750v2/#S3', '2402.02750'],
    ['https://export.arxiv.org/abs/2402.02750', '2402.02750'],
    ['https://huggingface.co/papers/2402.02750', '2402.02750'],
    ['https://huggingface.co/papers/2402.02750?utm_source=x#comments', '2402.02750'],
    ['https://hf.co/papers/2402.02750', '2402.02750'],
    ['https://www.alphaxiv.org/abs/2402.02750', '2402.02750'],
    ['https://alphaxiv.org/overview/2402.02750v2', '2402.02750'],
    ['https://www.alphaxiv.org/2402.02750', '2402.02750'],
  ])('%s names arXiv %s', (url, id) => {
    expect(paperLinkId(url)).toBe(id);
  });

  it.each([
    'https://arxiv.org/list/cs.LG/recent',
    'https://huggingface.co/papers',
    'https://huggingface.co/papers/trending',
    'https://huggingface.co/meta-llama/2402.02750',
    'https://evilarxiv.org/abs/2402.02750',
    'https://arxiv.org.evil.example/abs/2402.02750',
    'ftp://arxiv.org/abs/2402.02750',
    'not a url',
  ])('%s is not a paper link', (url) => {
    expect(paperLinkId(url)).toBeNull();
  });

  it('finds links in running text and chat markup, exactly as written, each once', () => {
    const text =
      'see <https://arxiv.org/abs/2402.02750v2|this one> and https://hf.co/papers/2501.00001. Also (https://www.alphaxiv.org/abs/2501.00002) ' +
      'and again https://hf.co/papers/2501.00001 plus https://example.com/2501.00003';
    expect(paperLinksIn(text)).toEqual([
      { url: 'https://arxiv.org/abs/2402.02750v2', arxivId: '2402.02750' },
      { url: 'https://hf.co/papers/2501.00001', arxivId: '2501.00001' },
      { url: 'https://www.alphaxiv.org/abs/2501.00002', arxivId: '2501.00002' },
    ]);
  });

  it(`cards go to the first ${MAX_LINK_CARDS} papers; a second link to one of them keeps its card`, () => {
    const urls = Array.from({ length: 7 }, (_, i) => `https://arxiv.org/abs/2501.0000${i + 1}`);
    const links = paperLinksIn([...urls, 'https://hf.co/papers/2501.00001']);
    const carded = linksToCard(links);
    expect(new Set(carded.map((l) => l.arxivId)).size).toBe(MAX_LINK_CARDS);
    expect(carded.map((l) => l.url)).toContain('https://hf.co/papers/2501.00001');
    expect(carded.map((l) => l.url)).not.toContain('https://arxiv.org/abs/2501.00006');
  });
});
