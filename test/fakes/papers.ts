// Made-up papers and cards for the adapter tests: runs of look-alike papers for paging, and reply builders for renderers.
import type { Paper } from '../../src/papers/model.js';
import type { PaperCard, Reply } from '../../src/reply.js';

/**
 * `n` papers about `subject` (one of its words is enough to find them all), each with a distinct
 * title, for tests that need more than one page. `ids` keeps runs in one corpus apart; `date`
 * puts them on days of your choosing (default: 2025-10-01 onwards, one a day).
 */
export function paperRun(subject: string, n: number, opts: { ids?: string; date?: (i: number) => string } = {}): Paper[] {
  const ids = opts.ids ?? '2509';
  const title = subject.charAt(0).toUpperCase() + subject.slice(1);
  return Array.from({ length: n }, (_, i) => ({
    id: `${ids}.${String(i + 1).padStart(5, '0')}`,
    arxivId: `${ids}.${String(i + 1).padStart(5, '0')}`,
    title: `${title} variant ${i + 1} for long contexts`,
    abstract: `We study ${subject}, variant ${i + 1}, on long inputs.`,
    authors: [],
    authorCount: 2,
    org: null,
    thumbnail: null,
    publishedAt: opts.date ? opts.date(i) : `2025-10-${String(i + 1).padStart(2, '0')}`,
    upvotes: i,
    sources: [{ name: 'test' }],
  }));
}

/** A card as a command would build it, with `attention` as the matched snippet term. */
export function testCard(i: number, over: Partial<PaperCard> = {}): PaperCard {
  const id = `2509.${String(i).padStart(5, '0')}`;
  return {
    id,
    title: `Paper ${i}`,
    url: `https://huggingface.co/papers/${id}`,
    pdfUrl: `https://arxiv.org/pdf/${id}`,
    arxivUrl: null,
    publishedAt: '2025-11-27',
    upvotes: i,
    org: null,
    authorCount: 2,
    authors: [],
    thumbnail: null,
    snippet: [{ text: 'Some text about ' }, { text: 'attention', match: true }, { text: ' and more.' }],
    ...over,
  };
}

/** A private, shareable page of search results holding `cards`. */
export function papersReply(cards: PaperCard[], over: Partial<Extract<Reply, { kind: 'papers' }>> = {}): Reply {
  return { kind: 'papers', title: 'Search: attention', cards, start: 1, total: cards.length, visibility: 'ephemeral', shareable: true, ...over };
}
